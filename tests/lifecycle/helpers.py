"""A project's whole life through the real services — submitted, confirmed by mail and phone,
registered, started, invoiced, changed (call-back), closed — so the purge meets every place the
people's data was copied to along the way."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import time_machine
from django.apps import apps
from django.db import models

from calsreg.accounts.models import Project, User
from calsreg.accounts.services import (
    account_contact_correct,
    project_register,
    project_start_use,
    projects_close_due,
)
from calsreg.applications.models import Application
from calsreg.billing.models import Invoice
from calsreg.billing.services import billing_run, invoice_draft_for_project, invoices_mark_posted
from calsreg.changes.models import CallBack, ChangeItem, ChangeKind, ChangeRequest, ItemDecision
from calsreg.directory.models import Supervisor
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.services import call_record, confirmation_reply_record, confirmation_request_send
from tests.billing.invoice_helpers import ACTOR, jst, make_issuer, make_plan
from tests.desk.helpers import submit_application
from tests.factories import SupervisorFactory, UserFactory
from tests.verification.helpers import raw_reply_eml, reply_eml

OUTBOX_BACKEND = "calsreg.notifications.outbox.OutboxEmailBackend"

NEW_EMAIL = "ichiro.tanaka@echigo-kensetsu.example.co.jp"
NEW_PHONE = "070-9999-8888"
# Everything that identifies the people on the application (applicant, users, representative),
# including the values they had before a change.
PERSONAL_VALUES = (
    "田中 一郎",
    "タナカ イチロウ",
    "鈴木 次郎",
    "スズキ ジロウ",
    "越後 正樹",
    "tanaka@echigo-kensetsu.example.co.jp",
    "suzuki@echigo-kensetsu.example.co.jp",
    NEW_EMAIL,
    "090-1234-5678",
    "09012345678",
    "080-2345-6789",
    NEW_PHONE,
)

CLOSED_AT = jst(2027, 3, 20, 3)  # the day after the construction period (2027-03-19)
LAST_DAY_KEPT = date(2028, 3, 18)  # 365 days: closed 2027-03-20 → purged from 2028-03-19
FIRST_DAY_PURGED = date(2028, 3, 19)


@dataclass
class Life:
    project: Project
    application: Application
    invoice: Invoice
    supervisor: Supervisor
    desk_user: User
    old_account_ids: list[str]


def travel(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def on(day: date, hour: int = 6) -> Any:
    return travel(jst(day.year, day.month, day.day, hour))


def closed_project(*, supervisor: Supervisor | None = None) -> Life:
    """The project of 田中 一郎 (applicant, site agent) and 鈴木 次郎, closed on 2027-03-20."""
    supervisor = supervisor or SupervisorFactory(
        name="山田 直樹", email="yamada.n@office.example.pref-niigata.jp", phone="025-280-8101"
    )
    desk_user = UserFactory(role="help_desk", username="helpdesk1", display_name="受付 花子")
    desk = Actor.staff(desk_user)
    with travel(jst(2026, 11, 2, 9)):
        application = submit_application(supervisor=supervisor)
        confirmation_request_send(application=application, actor=desk)
        deliveries_send_due()
    with travel(jst(2026, 11, 4, 10)):
        request = ConfirmationRequest.objects.get(application=application)
        # The applicant forwards the request himself: kept, counted for nothing, purged like him.
        confirmation_reply_record(
            request=request,
            eml=raw_reply_eml("田中 一郎 <tanaka@echigo-kensetsu.example.co.jp>"),
            answer="confirmed",
            reason="田中 一郎さんが転送したもの",
            actor=desk,
        )
        confirmation_reply_record(
            request=request,
            eml=reply_eml(sender=supervisor.email, body="田中 一郎さんからの申込、内容に間違いありません。"),
            answer="confirmed",
            reason="",
            actor=desk,
        )
        call_record(
            application=application,
            supervisor=supervisor,
            outcome="confirmed",
            note="申込者 田中 一郎 さん（090-1234-5678）の件、監督員に確認済み",
            actor=desk,
        )
        project = project_register(application=application, actor=desk)
        project_start_use(project=project, actor=desk)
        deliveries_send_due()
        make_issuer()
        make_plan(organisation=project.office.organisation)
        invoice = invoice_draft_for_project(project=project, actor=ACTOR)
    old_account_ids = list(
        User.objects.filter(memberships__project=project, role="contractor")
        .order_by("pk")
        .values_list("username", flat=True)
    )
    with travel(jst(2026, 12, 1, 9)):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
        invoices_mark_posted(invoices=[invoice], posted_on=date(2026, 12, 1), actor=ACTOR)
    with travel(jst(2026, 12, 10, 11)):
        _change_request(project=project, desk=desk, desk_user=desk_user, account_id=old_account_ids[0])
        deliveries_send_due()
    with travel(CLOSED_AT):
        assert projects_close_due() == 1
        deliveries_send_due()
    project.refresh_from_db()
    application.refresh_from_db()
    invoice.refresh_from_db()
    return Life(project, application, invoice, supervisor, desk_user, old_account_ids)


def _change_request(*, project: Project, desk: Actor, desk_user: User, account_id: str) -> None:
    """田中 corrects his phone number and e-mail address (seed steps 7–9), confirmed on a call-back."""
    site_agent = User.objects.get(username=account_id)
    change = ChangeRequest.objects.create(
        number="C2026-00001",
        project=project,
        channel="my_page",
        submitted_at=jst(2026, 12, 10, 11),
        filed_by=site_agent,
        requester_name="田中 一郎",
        requester_phone="090-1234-5678",
        requester_email="tanaka@echigo-kensetsu.example.co.jp",
        reason="携帯電話を 090-1234-5678 から変えました（田中 一郎）",
    )
    form = {"requester": {"name": "田中 一郎", "email": "tanaka@echigo-kensetsu.example.co.jp"}}
    change.form_evidence = evidence_store(
        content=json.dumps(form, ensure_ascii=False).encode(),
        original_name="変更申込_田中 一郎.json",
        content_type="application/json",
        kind=EvidenceKind.CHANGE_FORM,
        subject=change,
        actor=desk,
    )
    change.save(update_fields=["form_evidence"])
    record = {"contact_name": "田中 一郎", "phone_number": "090-1234-5678", "outcome": "confirmed"}
    # The call that decided both items, written as stored: the purge reads the rows, not the rule.
    call = CallBack.objects.create(
        request=change,
        contact="applicant",
        contact_name="田中 一郎",
        phone_number="090-1234-5678",
        called_at=jst(2026, 12, 10, 14),
        called_by=desk_user,
        outcome="confirmed",
        note="田中 一郎 さん本人と確認",
        evidence=evidence_store(
            content=json.dumps(record, ensure_ascii=False).encode(),
            original_name="call.json",
            content_type="application/json",
            kind=EvidenceKind.CALL_RECORD,
            subject=change,
            actor=desk,
        ),
    )
    ChangeItem.objects.create(
        request=change,
        position=1,
        kind=ChangeKind.CONTACT,
        field="applicant_phone",
        target="applicant",
        before="090-1234-5678",
        after=NEW_PHONE,
        decision=ItemDecision.CONFIRMED,
        decided_by=call,
    )
    ChangeItem.objects.create(
        request=change,
        position=2,
        kind=ChangeKind.CONTACT,
        field="user.email",
        target=account_id,
        before="tanaka@echigo-kensetsu.example.co.jp",
        after=NEW_EMAIL,
        decision=ItemDecision.CONFIRMED,
        decided_by=call,
    )
    audit_record(
        actor=Actor.applicant("tanaka@echigo-kensetsu.example.co.jp"),
        action="change.submitted",
        subject=change,
        summary="変更申込を受け付けました（%(name)s）。",
        summary_params={"name": "田中 一郎"},
        data={"requester_email": "tanaka@echigo-kensetsu.example.co.jp", "items": 2},
    )
    account_contact_correct(user=site_agent, values={"email": NEW_EMAIL}, actor=desk)
    Application.objects.filter(pk=project.application_id).update(applicant_phone=NEW_PHONE)


def text_columns(model: type[models.Model]) -> list[str]:
    kinds = (models.CharField, models.TextField, models.JSONField, models.FileField)
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, kinds)]


def where_found(values: tuple[str, ...], *, skip_apps: frozenset[str] = frozenset()) -> list[str]:
    """Every ``model.column`` (with the row's pk) of every installed model holding one of ``values``."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label in skip_apps:
            continue
        columns = text_columns(model)
        if not columns:
            continue
        for row in model._default_manager.values_list("pk", *columns):
            for column, cell in zip(columns, row[1:], strict=True):
                text = cell if isinstance(cell, str) else json.dumps(cell, ensure_ascii=False)
                hits = [value for value in values if value.lower() in (text or "").lower()]
                if hits:
                    found.append(f"{model._meta.label}#{row[0]}.{column}: {hits}")
    return found
