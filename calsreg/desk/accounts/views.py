"""One account at the desk: ID, name, state, projects and its timeline (help desk and administrators)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from calsreg.core import clock
from calsreg.desk.accounts.selectors import account_page
from calsreg.desk.permissions import desk_staff_required


@desk_staff_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = account_page(pk=pk)
    if page is None:
        raise Http404(_("アカウントが見つかりません。"))
    return render(request, "desk/accounts/account_detail.html", {"page": page, "now": clock.now()})
