"""One account at the desk: ID, name, state, last sign-ins, lock, mails, projects and its timeline
(help desk and administrators). Opening it is audited, like opening an application."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from calsreg.accounts.services import account_viewed
from calsreg.core import clock
from calsreg.desk.accounts.selectors import account_page
from calsreg.desk.permissions import desk_staff_required
from calsreg.records.services import Actor


@desk_staff_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    now = clock.now()
    page = account_page(pk=pk, now=now)
    if page is None:
        raise Http404(_("アカウントが見つかりません。"))
    # Recorded after the timeline is read: the page shows what happened to the account, and the
    # view is in the audit log (and on the next opening).
    account_viewed(account=page.account, actor=Actor.staff(request.user))
    return render(request, "desk/accounts/account_detail.html", {"page": page, "now": now})
