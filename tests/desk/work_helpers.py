"""Builders for the "my work" and dashboard tests: applications with step timestamps, change requests,
owed invoices — written straight to the database so dates and states are exactly what a test states,
with the step durations the services would have stored for those timestamps."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from calsreg.accounts.models import Project
from calsreg.applications.models import Application
from calsreg.applications.services.step_times import application_step_times_record
from calsreg.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentAllocation
from calsreg.billing.services.payments import invoice_paid_amounts_rebuild
from calsreg.changes.models import ChangeChannel, ChangeRequest
from calsreg.changes.services.step_times import change_request_step_times_record
from tests.accounts.helpers import started
from tests.billing.invoice_helpers import make_project
from tests.desk.helpers import make_application
from tests.factories import OfficeFactory, UserFactory

JST = dt.timezone(dt.timedelta(hours=9))
_numbers = itertools.count(5000)


def jst(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=JST)


def application(**overrides: Any) -> Application:
    """An application row (one user) with the given status, step timestamps and assignee."""
    office = overrides.pop("office", None) or OfficeFactory()
    made = make_application(office=office, number=next(_numbers), **overrides)
    application_step_times_record(application=made)
    return made


def project(**application_overrides: Any) -> Project:
    """A started project on an in-service application (``make_project`` of the billing tests)."""
    application_overrides.setdefault("status", "in_service")
    return make_project(**application_overrides)


def change_request(*, project: Project, **overrides: Any) -> ChangeRequest:
    number = next(_numbers)
    values: dict[str, Any] = {
        "number": f"C2026-{number:05d}",
        "project": project,
        "channel": ChangeChannel.PORTAL,
        "submitted_at": jst("2026-11-02"),
        "requester_name": "田中 一郎",
    }
    values.update(overrides)
    made = ChangeRequest.objects.create(**values)
    change_request_step_times_record(request=made)
    return made


def invoice(*, total: int, due_on: dt.date | None, **overrides: Any) -> Invoice:
    """A posted invoice of ``total`` yen (owed unless told otherwise) on a project of its own (a project
    has one invoice)."""
    number = next(_numbers)
    values: dict[str, Any] = {
        "kind": InvoiceKind.INVOICE,
        "status": InvoiceStatus.POSTED,
        "number": f"2026-{number:06d}",
        "project": overrides.pop("project", None) or project(),
        "billing_addressee": "株式会社越後建設",
        "billing_postcode": "950-0088",
        "billing_address": "新潟県新潟市中央区万代1丁目1番1号",
        "customer_code": f"C{number:08d}",
        "transaction_date": dt.date(2026, 10, 1),
        "run_month": dt.date(2026, 11, 1),
        "due_on": due_on,
        "subtotal": total,
        "tax": 0,
        "total": total,
    }
    values.update(overrides)
    return Invoice.objects.create(**values)


def paid_in_part(invoice: Invoice, *, amount: int) -> None:
    payment = Payment.objects.create(
        source="manual",
        received_on=dt.date(2026, 11, 20),
        amount=amount,
        payer_name="ｴﾁｺﾞｹﾝｾﾂ",
        payer_kana="エチゴケンセツ",
        status="matched",
    )
    PaymentAllocation.objects.create(
        payment=payment,
        invoice=invoice,
        amount=amount,
        rule="manual",
        created_at=jst("2026-11-20"),
        created_by_label="test",
    )
    invoice_paid_amounts_rebuild()  # written directly: keep the stored paid amount as the services do


def sign_in(client: Any, role: str | None) -> None:
    """Sign ``client`` in with ``role`` (None: stay anonymous). Account holders are usable ones (a
    project in use), so a refusal comes from the desk, not from the middleware that signs out
    unusable accounts."""
    if role in ("contractor", "supervisor"):
        _project, accounts = started()
        client.force_login(next(user for user in accounts if user.role == role))
    elif role is not None:
        client.force_login(UserFactory(role=role))
