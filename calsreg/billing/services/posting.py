"""Posting (郵送) and arrival: the dates the seed's suspension rule counts from."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.billing.due_dates import arrival_for_posting, due_date_for_arrival
from calsreg.billing.invoice_actions import InvoiceAction, invoice_action_applies
from calsreg.billing.models import PAYABLE_KINDS, Invoice, InvoiceStatus
from calsreg.core import clock
from calsreg.core.errors import DomainError, InvalidTransition
from calsreg.records.services import Actor, audit_record


def _due_on(invoice: Invoice, arrival_on: date) -> date | None:
    """End of the month after arrival (rolled to a business day), never before the printed date:
    the contractor may rely on what the invoice says."""
    if invoice.kind not in PAYABLE_KINDS:  # credit notes are not due
        return None
    due_on = due_date_for_arrival(arrival_on=arrival_on)
    if invoice.printed_due_on and invoice.printed_due_on > due_on:
        return invoice.printed_due_on
    return due_on


@transaction.atomic
def invoices_mark_posted(*, invoices: Iterable[Invoice], posted_on: date, actor: Actor) -> list[Invoice]:
    """Record that the agent posted ``invoices`` on ``posted_on``: sets posting, arrival and due dates.

    Arrival = ``posted_on`` + ``settings.POSTAL_DELIVERY_BUSINESS_DAYS`` business days. All or none:
    raises InvalidTransition if any invoice is not issued (a draft, already posted, paid or void), and
    DomainError for a posting date in the future or before the issue date.
    """
    today = clock.today()
    if posted_on > today:
        raise DomainError(_("郵送日に未来の日付は指定できません。"))
    ids = sorted({invoice.pk for invoice in invoices})
    locked = list(Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    changed: list[Invoice] = []
    for invoice in locked:
        if not invoice_action_applies(invoice=invoice, action=InvoiceAction.POST):
            raise InvalidTransition(
                _("請求書 %(number)s は「%(status)s」のため、郵送済みにできません。")
                % {"number": invoice.number or "-", "status": InvoiceStatus(invoice.status).label}
            )
        if invoice.issue_date and posted_on < invoice.issue_date:
            raise DomainError(
                _("請求書 %(number)s の郵送日が発行日より前です。") % {"number": invoice.number}
            )
        invoice.transition_to(InvoiceStatus.POSTED)
        invoice.posted_on = posted_on
        invoice.arrival_on = arrival_for_posting(posted_on=posted_on)
        invoice.arrival_overridden = False
        invoice.due_on = _due_on(invoice, invoice.arrival_on)
        invoice.save(
            update_fields=["status", "posted_on", "arrival_on", "arrival_overridden", "due_on", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="invoice.posted",
            subject=invoice,
            summary=gettext_noop(
                "請求書 %(number)s を郵送しました（郵送日 %(posted_on)s、到着見込み %(arrival_on)s、支払期限 %(due_on)s）"
            ),
            summary_params={
                "number": invoice.number,
                "posted_on": posted_on.isoformat(),
                "arrival_on": invoice.arrival_on.isoformat(),
                "due_on": invoice.due_on.isoformat() if invoice.due_on else "-",
            },
        )
        changed.append(invoice)
    return changed


@transaction.atomic
def invoice_set_arrival(*, invoice: Invoice, arrival_on: date, actor: Actor) -> Invoice:
    """Record the real arrival date (the contractor says when it came) and recompute the due date.

    Raises InvalidTransition unless the invoice has been posted, DomainError for an arrival before
    the posting date.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice_action_applies(invoice=invoice, action=InvoiceAction.SET_ARRIVAL):
        raise InvalidTransition(_("郵送前または取消済みの請求書には到着日を設定できません。"))
    assert invoice.posted_on is not None  # the table allows arrival only once posted
    if arrival_on < invoice.posted_on:
        raise DomainError(
            _("到着日は郵送日（%(posted_on)s）以降の日付にしてください。") % {"posted_on": invoice.posted_on}
        )
    before = {"arrival_on": invoice.arrival_on, "due_on": invoice.due_on}
    invoice.arrival_on = arrival_on
    invoice.arrival_overridden = True
    invoice.due_on = _due_on(invoice, arrival_on)
    invoice.save(update_fields=["arrival_on", "arrival_overridden", "due_on", "updated_at"])
    audit_record(
        actor=actor,
        action="invoice.arrival_set",
        subject=invoice,
        summary=gettext_noop("請求書 %(number)s の到着日を %(arrival_on)s にしました（支払期限 %(due_on)s）"),
        summary_params={
            "number": invoice.number,
            "arrival_on": arrival_on.isoformat(),
            "due_on": invoice.due_on.isoformat() if invoice.due_on else "-",
        },
        data={key: value.isoformat() if value else None for key, value in before.items()},
    )
    return invoice
