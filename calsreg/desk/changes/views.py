"""The help desk's change-request screens (seed steps 8–9): the queue, one request with its diff, and
the verification panel — the call-back to each person concerned at their number on file, applying,
rejecting.

Each POST view parses its form, calls one service and redirects back to the request with a message;
a refusal (DomainError) is shown as the message instead (``desk.feedback``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from calsreg.accounts.models import User
from calsreg.changes.models import ChangeRequest, ChangeStatus
from calsreg.changes.selectors import (
    change_request_for_desk,
    change_request_timeline,
    change_requests_for_desk,
    change_status_counts,
    request_fee_impact,
)
from calsreg.changes.services import (
    callback_record,
    change_request_apply,
    change_request_apply_preview,
    change_request_assign,
    change_request_reject,
    change_request_viewed,
)
from calsreg.core.errors import NotFound
from calsreg.desk.changes import presenters as present
from calsreg.desk.changes.evidence import change_evidence, change_evidence_download
from calsreg.desk.changes.forms import AssignForm, CallBackForm, ChangeQueueFilterForm, ChangeRejectForm
from calsreg.desk.dashboard.work import desk_operators
from calsreg.desk.evidence import evidence_served
from calsreg.desk.feedback import form_errors_as_messages, run_service
from calsreg.desk.paging import capped_count, keyset_page
from calsreg.desk.permissions import desk_staff_required
from calsreg.desk.previews import preview_then_act
from calsreg.notifications.selectors import deliveries_for
from calsreg.records.selectors import evidence_read
from calsreg.records.services import Actor
from calsreg.verification.models import CallOutcome

CHANGE_PAGE_SIZE = 50
# Above this many matches a filtered list says "more than" instead of counting them all.
CHANGE_COUNT_CAP = 1000

QUEUE_COLUMNS = [
    gettext_lazy("変更受付番号"),
    gettext_lazy("受付日時"),
    gettext_lazy("工事"),
    gettext_lazy("変更の種類"),
    gettext_lazy("申込者"),
    gettext_lazy("担当者"),
    gettext_lazy("状態"),
]


def _request_or_404(pk: int) -> ChangeRequest:
    try:
        return change_request_for_desk(pk=pk)
    except ChangeRequest.DoesNotExist as missing:
        raise Http404(_("変更申込が見つかりません。")) from missing


def _plain(pk: int) -> ChangeRequest:
    request = ChangeRequest.objects.select_related("project__application").filter(pk=pk).first()
    if request is None:
        raise Http404(_("変更申込が見つかりません。"))
    return request


def _back(change: ChangeRequest, anchor: str = "verification") -> HttpResponse:
    return redirect(reverse("desk:change_detail", args=[change.pk]) + f"#{anchor}")


def _run(
    request: HttpRequest,
    change: ChangeRequest,
    action: Callable[[], Any],
    success: str | Callable[[Any], str],
    anchor: str = "verification",
) -> HttpResponse:
    run_service(request, action, success)
    return _back(change, anchor)


@require_GET
@desk_staff_required
def change_queue(request: HttpRequest) -> HttpResponse:
    """Newest first, 50 a page read by key (desk/paging.py); its query count and cost do not grow with
    the rows shown or stored."""
    form = ChangeQueueFilterForm(request.GET)
    filters = form.filters()
    requests = change_requests_for_desk(
        status=str(filters["status"]),
        assigned_to=cast(User, request.user) if filters["mine"] else None,
        text=str(filters["q"]),
    )
    page = keyset_page(
        present.queue_rows(requests),
        order=("-submitted_at", "-id"),
        params=request.GET,
        size=CHANGE_PAGE_SIZE,
        salt="changes:-received",
    )
    counts = change_status_counts()
    total, more = _total(requests, filters, counts)
    chips = [{"value": "", "label": _("すべて"), "count": sum(counts.values()), "css": ""}] + [
        {"value": value, "label": label, "count": counts.get(value, 0), "css": present.status_css(value)}
        for value, label in ChangeStatus.choices
    ]
    rows = [
        {"request": change, "kinds": present.kinds_of(change), "css": present.status_css(change.status)}
        for change in page.object_list
    ]
    return render(
        request,
        "desk/changes/queue.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "total": total,
            "total_is_lower_bound": more,
            "rows": rows,
            "chips": chips,
            "columns": QUEUE_COLUMNS,
        },
    )


def _total(
    requests: QuerySet[ChangeRequest], filters: dict[str, object], counts: dict[str, int]
) -> tuple[int, bool]:
    """The state chips' counts answer when only the state narrows the list; otherwise a capped count."""
    if filters["mine"] or filters["q"]:
        return capped_count(requests, cap=CHANGE_COUNT_CAP)
    status = str(filters["status"])
    return (counts.get(status, 0) if status else sum(counts.values())), False


@require_GET
@desk_staff_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = _request_or_404(pk)
    # Recorded before the timeline is read, so the operator sees their own view listed.
    change_request_viewed(request=change, actor=Actor.staff(request.user))
    evidence = present.evidence_checked(change)
    return render(
        request,
        "desk/changes/detail.html",
        {
            "change": change,
            "status_css": present.status_css(change.status),
            "rows": present.item_rows(change),
            "fee": request_fee_impact(change),
            "evidence": evidence,
            "calls": list(change.call_backs.all()),
            "deliveries": list(deliveries_for(subject=change)),
            "timeline": list(change_request_timeline(change)),
            "operators": list(desk_operators()) if change.is_open else [],
        },
    )


@require_GET
@desk_staff_required
def change_verification_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel: loaded into the request's page by htmx, or as a page of its own without JavaScript."""
    change = _request_or_404(pk)
    panel = present.change_panel(change)
    fragment = request.headers.get("HX-Request") == "true"
    template = "desk/changes/panel_body.html" if fragment else "desk/changes/panel_page.html"
    # Inside the request's page the call-backs are listed beside the panel; on its own page, in it.
    return render(request, template, {"panel": panel, "change": change, "standalone": not fragment})


@require_POST
@desk_staff_required
def change_assign(request: HttpRequest, pk: int) -> HttpResponse:
    change = _plain(pk)
    form = AssignForm(request.POST, operators=desk_operators())
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(change, "assignment")
    operator = cast(User, request.user) if form.cleaned_data["take"] else form.cleaned_data["operator"]
    return _run(
        request,
        change,
        lambda: change_request_assign(request=change, operator=operator, actor=Actor.staff(request.user)),
        lambda assigned: (
            _("担当者を %(operator)s にしました。") % {"operator": assigned.assigned_to}
            if assigned.assigned_to
            else _("担当者の割り当てを外しました。")
        ),
        anchor="assignment",
    )


@require_POST
@desk_staff_required
def change_callback(request: HttpRequest, pk: int) -> HttpResponse:
    change = _plain(pk)
    form = CallBackForm(request.POST, items=list(change.items.order_by("position")))
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(change)
    outcome = form.cleaned_data["outcome"]
    return _run(
        request,
        change,
        lambda: callback_record(
            request=change,
            contact=form.cleaned_data["contact"],
            outcome=outcome,
            decisions=form.decisions() if outcome == CallOutcome.CONFIRMED else None,
            note=form.cleaned_data["note"],
            called_at=form.cleaned_data["called_at"],
            actor=Actor.staff(request.user),
        ),
        lambda call: _callback_message(call.request, confirmed=call.outcome == CallOutcome.CONFIRMED),
    )


def _callback_message(change: ChangeRequest, *, confirmed: bool) -> str:
    change.refresh_from_db(fields=["status", "impersonation_suspected"])
    if change.status == ChangeStatus.SUBMITTED and confirmed:
        return _(
            "本人の確認を記録しました。ほかの人の情報を変える項目が残っています。"
            "その本人に、登録済みの番号で電話してください。"
        )
    if change.status == ChangeStatus.VERIFIED:
        return _("本人確認の電話を記録しました。確認できた項目を反映できます。")
    if change.status == ChangeStatus.REJECTED and change.impersonation_suspected:
        return _("本人が申込を否認したため、変更申込を不承認にしました（なりすましの疑い）。")
    if change.status == ChangeStatus.REJECTED:
        return _("確認できた項目がないため、変更申込を不承認にしました。")
    return _("通話を記録しました。本人確認はまだ済んでいません。")


@require_POST
@desk_staff_required
def change_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Applying shows each item (now → requested) and who is told first; the confirmed POST applies."""
    change = _plain(pk)

    response, _applied = preview_then_act(
        request,
        preview=lambda: change_request_apply_preview(request=change),
        act=lambda token: change_request_apply(
            request=change, actor=Actor.staff(request.user), preview=token
        ),
        template="desk/changes/apply_preview.html",
        # Shown with the desk's names for accounts and supervisors; the same diff as the plan's.
        context={
            "change": change,
            "rows": sorted(present.item_rows(change), key=lambda r: r.item.position),
        },
        back=lambda: _back(change),
        success=_("確認できた項目を反映しました。申込者に結果をメールでお知らせします。"),
    )
    return response


@require_POST
@desk_staff_required
def change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    change = _plain(pk)
    form = ChangeRejectForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(change)
    return _run(
        request,
        change,
        lambda: change_request_reject(
            request=change, reason=form.cleaned_data["reason"], actor=Actor.staff(request.user)
        ),
        _("変更申込を不承認にしました。申込者には理由を書かない通知を送ります。"),
    )


@require_GET
@desk_staff_required
def change_evidence_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Serve a file kept for a change request as stored; one that no longer verifies is shown as a
    warning first (the application evidence download's rule)."""
    try:
        evidence, change = change_evidence(evidence_id=pk)
    except NotFound as missing:
        raise Http404(missing.message) from missing
    copy = evidence_read(evidence=evidence)
    detail_url = reverse("desk:change_detail", args=[change.pk])
    return evidence_served(
        request,
        evidence=evidence,
        copy=copy,
        record=lambda: change_evidence_download(copy=copy, request=change, actor=Actor.staff(request.user)),
        warning={
            "crumbs": [(reverse("desk:change_queue"), _("変更申込の一覧")), (detail_url, change.number)],
            "back_url": detail_url,
            "back_label": _("変更申込に戻る"),
            "download_url": reverse("desk:change_evidence", args=[evidence.pk]),
        },
    )
