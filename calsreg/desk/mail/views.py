"""Failed and stuck mail at the desk (help desk and administrators): the list, newest first, and
re-sending one or a selection after a confirmation. The demo outbox stays a separate demo tool."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calsreg.core.errors import DomainError
from calsreg.desk.feedback import form_errors_as_messages, refusal_as_messages
from calsreg.desk.mail.forms import ResendForm
from calsreg.desk.mail.presenters import mail_error_explained
from calsreg.desk.paging import capped_count, keyset_page
from calsreg.desk.permissions import desk_staff_required
from calsreg.notifications.models import TROUBLED_ORDER, send_lease
from calsreg.notifications.selectors import deliveries_troubled
from calsreg.notifications.services import RequeueOutcome, deliveries_requeue
from calsreg.records.services import Actor

PAGE_SIZE = 25
# Above this many the list says "more than" instead of counting them all.
TROUBLE_COUNT_CAP = 1000


@desk_staff_required
def trouble_list(request: HttpRequest) -> HttpResponse:
    """Newest attempt first, read by key (desk/paging.py) on the troubled-delivery index."""
    troubled = deliveries_troubled()
    page = keyset_page(
        troubled, order=TROUBLED_ORDER, params=request.GET, size=PAGE_SIZE, salt="mail:-attempted"
    )
    total, more = capped_count(troubled, cap=TROUBLE_COUNT_CAP)
    rows = [(delivery, mail_error_explained(delivery.last_error)) for delivery in page.object_list]
    return render(
        request,
        "desk/mail/troubles.html",
        {
            "page": page,
            "rows": rows,
            "total": total,
            "total_is_lower_bound": more,
            "stuck_minutes": _minutes(send_lease().total_seconds()),
        },
    )


def _minutes(seconds: float) -> int:
    return max(1, -(-int(seconds) // 60))  # rounded up: "stuck for 2 minutes" for a 90 s lease


@desk_staff_required
@require_POST
def trouble_resend(request: HttpRequest) -> HttpResponse:
    form = ResendForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("desk:mail_troubles")
    chosen = list(form.cleaned_data["deliveries"])
    if not form.cleaned_data["confirmed"]:
        return render(request, "desk/mail/resend_confirm.html", {"chosen": chosen})
    try:
        outcome = deliveries_requeue(delivery_ids=[d.pk for d in chosen], actor=Actor.staff(request.user))
    except DomainError as refusal:
        refusal_as_messages(request, refusal)
        return redirect("desk:mail_troubles")
    if outcome.requeued:
        messages.success(
            request,
            _("%(count)s件を送信待ちに戻しました。まもなく送信します。") % {"count": len(outcome.requeued)},
        )
    _refusals_as_messages(request, outcome)
    return redirect("desk:mail_troubles")


def _refusals_as_messages(request: HttpRequest, outcome: RequeueOutcome) -> None:
    for delivery, reason in outcome.refused:
        messages.error(request, f"{delivery.kind_label}（{delivery.to_address}）: {reason}")
