"""Dunning (seed step 6): the reminder before the due date, suspension the day after an unpaid due
date, reinstatement on full payment, and the billing agent's dated deferral.

The rule, in one place: a project is suspended when one of its invoices is owed (issued or posted,
not fully paid), its due date has passed (``due_on < today``: the due date itself is still a day to
pay) and no deferral covers today (``today <= until``). Full payment of the last such invoice
reinstates the project. Each project is handled in its own transaction, under its row lock, so the
sweep and a payment arriving at the same moment cannot leave it half-changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import Membership, MembershipRole, Project, ProjectStatus
from calsreg.accounts.services import project_reinstate, project_suspend
from calsreg.accounts.services.suspension import SuspensionCause, suspension_causes
from calsreg.billing.invoice_actions import InvoiceAction, invoice_action_applies
from calsreg.billing.models import Invoice, InvoiceDeferral, InvoiceStatus
from calsreg.billing.models.invoices import OPEN_STATUSES, PAYABLE_KINDS
from calsreg.core import clock
from calsreg.core.errors import FieldError, ValidationFailed
from calsreg.notifications.models import Delivery
from calsreg.notifications.services import notification_enqueue
from calsreg.records.services import Actor, AuditEntry, audit_record, audit_record_many

REMINDER = "invoice_reminder"
SUSPENDED = "project_suspended"
REINSTATED = "project_reinstated"


def invoices_suspending(*, today: date) -> QuerySet[Invoice]:
    """Owed invoices past their due date that no deferral covers today: each suspends its project."""
    deferred = InvoiceDeferral.objects.filter(invoice=OuterRef("pk"), until__gte=today)
    return Invoice.objects.overdue(today=today).exclude(Exists(deferred))


def invoice_reminders_send(*, today: date | None = None) -> int:
    """Mail the billing recipient of every owed invoice due in ``INVOICE_REMINDER_DAYS_BEFORE_DUE``
    days or fewer (not yet past due); return how many reminders were newly enqueued.

    "Or fewer" so a day the worker missed is caught up; the idempotency key makes it once per
    invoice whatever the number of runs.
    """
    today = today or clock.today()
    horizon = today + timedelta(days=settings.INVOICE_REMINDER_DAYS_BEFORE_DUE)
    due_soon = (
        Invoice.objects.filter(
            kind__in=PAYABLE_KINDS, status__in=OPEN_STATUSES, due_on__gte=today, due_on__lte=horizon
        )
        .select_related("project__application")
        .order_by("due_on", "pk")
    )
    sent = 0
    for invoice in due_soon:
        sent += _remind(invoice=invoice)
    return sent


@transaction.atomic
def _remind(*, invoice: Invoice) -> int:
    key = f"{REMINDER}:{invoice.pk}"
    if Delivery.objects.filter(idempotency_key=key).exists():
        return 0
    application = invoice.project.application
    notification_enqueue(
        kind=REMINDER,
        to=application.applicant_email,
        subject=invoice,
        idempotency_key=key,
        language=invoice.project.notice_language,
        context={**_invoice_context(invoice), "recipient_name": application.applicant_name},
    )
    audit_record(
        actor=Actor.system("invoice_reminders_send"),
        action="invoice.reminder_sent",
        subject=invoice,
        summary=gettext_noop("請求書 %(number)s の支払期限（%(due_on)s）前のお知らせを送りました。"),
        summary_params={"number": invoice.number, "due_on": str(invoice.due_on)},
        data={"to": application.applicant_email},
    )
    return 1


def billing_suspension_sweep(*, today: date | None = None) -> int:
    """Suspend for payment every project with an invoice that suspends it (module docstring), also
    one the desk suspended by hand (so the desk's reinstatement does not lift this rule); return how
    many."""
    today = today or clock.today()
    project_ids = (
        invoices_suspending(today=today)
        .filter(project__status__in=[ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED])
        .exclude(project__suspended_for_payment=True)
        .values_list("project_id", flat=True)
        .distinct()
        .order_by("project_id")
    )
    return sum(_suspend_if_due(project_id=pk, today=today) for pk in list(project_ids))


@transaction.atomic
def _suspend_if_due(*, project_id: int, today: date) -> int:
    project = Project.objects.select_for_update().select_related("application").get(pk=project_id)
    # Checked again under the lock: a payment or a deferral may have come in meanwhile.
    invoice = invoices_suspending(today=today).filter(project=project).order_by("due_on", "pk").first()
    if invoice is None or not _payment_rule_may_suspend(project):
        return 0
    now = clock.now()
    project = project_suspend(
        project=project,
        actor=Actor.system("billing_suspension_sweep"),
        at=now,
        summary=gettext_noop(
            "請求書 %(number)s が支払期限（%(due_on)s）を過ぎて未入金のため、利用を停止しました。"
        ),
        summary_params={"number": invoice.number, "due_on": str(invoice.due_on)},
        data={"invoice_id": invoice.pk, "due_on": str(invoice.due_on)},
        cause=SuspensionCause.PAYMENT,
    )
    _notify(kind=SUSPENDED, project=project, invoice=invoice, occasion=now.isoformat())
    return 1


def _payment_rule_may_suspend(project: Project) -> bool:
    if project.status == ProjectStatus.ACTIVE:
        return True
    return project.status == ProjectStatus.SUSPENDED and SuspensionCause.PAYMENT not in suspension_causes(
        project
    )


@transaction.atomic
def invoice_paid(*, invoice: Invoice, actor: Actor) -> Invoice:
    """Mark a fully allocated invoice paid (the payments side calls this); reinstate its project if
    it is suspended and no other invoice still suspends it. Idempotent for an invoice already paid."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == InvoiceStatus.PAID:
        return invoice
    invoice.transition_to(InvoiceStatus.PAID)
    invoice.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="invoice.paid",
        subject=invoice,
        summary=gettext_noop("請求書 %(number)s の入金が完了しました（%(total)s円）"),
        summary_params={"number": invoice.number, "total": f"{invoice.total:,}"},
    )
    _reinstate_if_clear(project_id=invoice.project_id, invoice=invoice, actor=actor)
    return invoice


def invoices_paid(*, invoice_ids: Collection[int], actor: Actor, now: datetime) -> int:
    """``invoice_paid`` for a batch of open invoices the caller has locked (payment matching): one
    UPDATE and one audit INSERT for them all; a project is reinstated only if it is suspended (rare,
    one by one). Returns how many invoices became paid."""
    invoices = list(
        Invoice.objects.filter(pk__in=list(invoice_ids), status__in=OPEN_STATUSES)
        .order_by("pk")
        .select_related("project")
        .only("pk", "number", "total", "status", "project_id", "project__status")
    )
    if not invoices:
        return 0
    Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices]).update(
        status=InvoiceStatus.PAID, updated_at=now
    )
    audit_record_many(
        actor=actor,
        at=now,
        entries=[
            AuditEntry(
                action="invoice.paid",
                subject=invoice,
                summary=gettext_noop("請求書 %(number)s の入金が完了しました（%(total)s円）"),
                summary_params={"number": invoice.number, "total": f"{invoice.total:,}"},
            )
            for invoice in invoices
        ],
    )
    for invoice in invoices:
        if invoice.project.status == ProjectStatus.SUSPENDED:
            _reinstate_if_clear(project_id=invoice.project_id, invoice=invoice, actor=actor)
    return len(invoices)


def _reinstate_if_clear(*, project_id: int, invoice: Invoice, actor: Actor) -> None:
    project = Project.objects.select_for_update().select_related("application").get(pk=project_id)
    if SuspensionCause.PAYMENT not in suspension_causes(project):
        return  # in use, or suspended by the desk's hand only: a payment does not lift that
    if invoices_suspending(today=clock.today()).filter(project=project).exists():
        return  # another unpaid invoice keeps it suspended
    now = clock.now()
    project = project_reinstate(
        project=project,
        actor=actor,
        at=now,
        summary=gettext_noop("請求書 %(number)s の入金を確認したため、利用を再開しました。"),
        summary_params={"number": invoice.number},
        data={"invoice_id": invoice.pk},
        cause=SuspensionCause.PAYMENT,
    )
    if project.status != ProjectStatus.ACTIVE:
        return  # the desk's hand suspension still holds (its audit row says so)
    _notify(kind=REINSTATED, project=project, invoice=invoice, occasion=now.isoformat())


@transaction.atomic
def invoice_deferral_grant(*, invoice: Invoice, until: date, reason: str, actor: Actor) -> InvoiceDeferral:
    """Defer suspension for ``invoice`` while today <= ``until``. An already suspended project is not
    reinstated by a deferral (only payment does that): grant it before the due date passes.

    Raises ValidationFailed for an empty reason, a past day, or an invoice that is not owed.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    reason = reason.strip()
    errors = []
    if not reason:
        errors.append(("reason", _("理由"), _("理由を入力してください。")))
    if until < clock.today():
        errors.append(("until", _("猶予期限"), _("猶予期限には今日以降の日付を指定してください。")))
    if not invoice_action_applies(invoice=invoice, action=InvoiceAction.DEFER):
        errors.append(("invoice", _("請求書"), _("未入金の請求書にだけ支払猶予を設定できます。")))
    if errors:
        raise ValidationFailed(
            errors=[FieldError(field=f, label=str(label), message=str(m)) for f, label, m in errors]
        )
    deferral = InvoiceDeferral.objects.create(
        invoice=invoice, until=until, reason=reason[:200], granted_by_label=actor.label[:200]
    )
    audit_record(
        actor=actor,
        action="invoice.deferral_granted",
        subject=invoice,
        summary=gettext_noop("請求書 %(number)s の支払を %(until)s まで猶予しました（理由：%(reason)s）"),
        summary_params={"number": invoice.number, "until": until.isoformat(), "reason": deferral.reason},
        data={"deferral_id": deferral.pk, "until": until.isoformat()},
    )
    return deferral


def _invoice_context(invoice: Invoice) -> dict[str, str]:
    issuer = invoice.issuer_snapshot or {}
    project = invoice.project
    bank = " ".join(
        part
        for part in (issuer.get("bank_name"), issuer.get("bank_branch"), issuer.get("account_type"))
        if part
    )
    return {
        "project_number": project.project_number,
        "project_name": project.name,
        "invoice_number": invoice.number or "",
        "total": f"{invoice.total:,}",
        "due_on": invoice.due_on.isoformat() if invoice.due_on else "",
        "bank": f"{bank} {issuer.get('account_number', '')}".strip(),
        "account_holder_kana": issuer.get("account_holder_kana", ""),
        "customer_code": invoice.customer_code,
    }


def _notice_recipients(project: Project) -> dict[str, str]:
    """The applicant (the invoice's billing contact) and the project's site agents, once per address."""
    people = [(project.application.applicant_email, project.application.applicant_name)]
    agents = Membership.objects.filter(
        project=project, role=MembershipRole.SITE_AGENT, active=True
    ).select_related("user")
    people.extend((m.user.email, str(m.user)) for m in agents.order_by("pk"))
    recipients: dict[str, str] = {}
    for address, name in people:
        if address and address.lower() not in {a.lower() for a in recipients}:
            recipients[address] = name
    return recipients


def _notify(*, kind: str, project: Project, invoice: Invoice, occasion: str) -> None:
    context = _invoice_context(invoice)
    for address, name in _notice_recipients(project).items():
        # Keys are limited in length; the occasion (the suspension's or reinstatement's moment)
        # lets a later suspension of the same project be told again.
        digest = hashlib.sha256(f"{occasion}:{address.lower()}".encode()).hexdigest()[:24]
        notification_enqueue(
            kind=kind,
            to=address,
            subject=project,
            idempotency_key=f"{kind}:{project.pk}:{digest}",
            language=project.notice_language,
            context={**context, "recipient_name": name},
        )
