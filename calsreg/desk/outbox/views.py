"""The demo's outbox: every mail the system "sent", readable in the browser."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from calsreg.core.errors import NotFound
from calsreg.desk.outbox.forms import OutboxSearchForm
from calsreg.desk.permissions import desk_staff_required
from calsreg.notifications.selectors import OUTBOX_LIST_LIMIT, outbox_message_get, outbox_messages

OUTBOX_PAGE_SIZE = 50


@desk_staff_required
def outbox(request: HttpRequest) -> HttpResponse:
    form = OutboxSearchForm(request.GET)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(outbox_messages(search=search), OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "desk/outbox.html",
        {"form": form, "page": page, "search": search, "limit": OUTBOX_LIST_LIMIT},
    )


@desk_staff_required
def outbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        message = outbox_message_get(message_id=pk)
    except NotFound as missing:
        raise Http404(missing.message) from missing
    return render(request, "desk/outbox_detail.html", {"message": message})
