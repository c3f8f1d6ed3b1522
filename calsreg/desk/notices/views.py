"""Staff notices at the desk (help desk, billing agent, administrators — each sees their own
audience's): the list, the unread count the navigation polls, marking read, the digest choice."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from calsreg.desk.notices.forms import DigestForm, MarkReadForm
from calsreg.desk.notices.presenters import notice_rows
from calsreg.desk.paging import capped_count, keyset_page
from calsreg.desk.permissions import staff_member_required
from calsreg.notifications.staff_selectors import staff_inbox, staff_notices, staff_unread_count
from calsreg.notifications.staff_services import staff_digest_choose, staff_notices_mark_read
from calsreg.records.services import Actor

PAGE_SIZE = 30
# Above this many notices the list says "more than" instead of counting them all.
NOTICE_COUNT_CAP = 1000


@staff_member_required
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    """Newest first, read by key on (audience, id) (desk/paging.py): the oldest page costs what the
    newest does, and the total is counted up to a cap."""
    notices = staff_notices(user=request.user)
    page = keyset_page(notices, order=("-id",), params=request.GET, size=PAGE_SIZE, salt="notices:-id")
    total, more = capped_count(notices, cap=NOTICE_COUNT_CAP)
    inbox = staff_inbox(user=request.user)
    rows = notice_rows(list(page.object_list), read_up_to=inbox.read_up_to)
    # "Mark all read" marks up to the newest notice, so it is offered from the newest page only.
    newest = rows[0].pk if rows and not page.has_newer else 0
    return render(
        request,
        "desk/notices/list.html",
        {
            "page": page,
            "total": total,
            "total_is_lower_bound": more,
            "rows": rows,
            "newest": newest,
            "any_unread": any(row.unread for row in rows),
            "digest_form": DigestForm(initial={"digest": inbox.digest}),
        },
    )


@staff_member_required
@require_GET
def notice_unread(request: HttpRequest) -> JsonResponse:
    response = JsonResponse({"unread": staff_unread_count(user=request.user)})
    add_never_cache_headers(response)
    return response


@staff_member_required
@require_POST
def notices_read(request: HttpRequest) -> HttpResponse:
    form = MarkReadForm(request.POST)
    if form.is_valid():
        staff_notices_mark_read(user=request.user, up_to_id=form.cleaned_data["up_to"])
        messages.success(request, _("お知らせを既読にしました。"))
    return redirect("desk:notices")


@staff_member_required
@require_POST
def notices_digest(request: HttpRequest) -> HttpResponse:
    form = DigestForm(request.POST)
    if form.is_valid():
        enabled = form.cleaned_data["digest"]
        staff_digest_choose(user=request.user, enabled=enabled, actor=Actor.staff(request.user))
        messages.success(
            request,
            _("お知らせのまとめメールを毎日お送りします。")
            if enabled
            else _("お知らせのまとめメールを止めました。"),
        )
    return redirect("desk:notices")
