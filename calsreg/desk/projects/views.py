"""One project at the desk (help desk and administrators); its billing summary only for those who
may see billing (security invariant 6)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from calsreg.accounts.services import project_viewed
from calsreg.core import clock
from calsreg.desk.permissions import desk_staff_required
from calsreg.desk.projects.selectors import project_page
from calsreg.records.services import Actor


@desk_staff_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    now = clock.now()
    with_billing = bool(getattr(request.user, "is_billing_staff", False))
    page = project_page(pk=pk, with_billing=with_billing, now=now)
    if page is None:
        raise Http404(_("工事が見つかりません。"))
    project_viewed(project=page.project, actor=Actor.staff(request.user))
    return render(request, "desk/projects/project_detail.html", {"page": page, "now": now})
