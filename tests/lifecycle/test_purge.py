"""Retention: a closed project's personal data is erased PERSONAL_DATA_RETENTION_DAYS after it closed,
everywhere it was copied to; invoices, their PDFs and the records of what happened are kept."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.core.management import call_command
from pypdf import PdfReader

from calsreg.accounts.models import Membership, Project, User
from calsreg.applications.models import Application
from calsreg.billing.models import Invoice, InvoiceDocument, InvoiceLine
from calsreg.changes.models import CallBack, ChangeItem, ChangeRequest
from calsreg.core.errors import Conflict
from calsreg.directory.models import Supervisor
from calsreg.lifecycle.redaction import ERASED
from calsreg.lifecycle.services import application_personal_data_purge, personal_data_purge_due
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor, evidence_verify, sha256_of
from tests.accounts.helpers import TANAKA, started
from tests.lifecycle.helpers import (
    FIRST_DAY_PURGED,
    LAST_DAY_KEPT,
    OUTBOX_BACKEND,
    PERSONAL_VALUES,
    closed_project,
    on,
    where_found,
)

pytestmark = pytest.mark.django_db

ACCOUNT_ID = re.compile(r"^[a-z0-9]{3,10}\.[a-z]{3}$")


@pytest.fixture(autouse=True)
def _outbox(settings):
    """Mails go to the demo outbox, so their bodies are kept in the database as well."""
    settings.EMAIL_BACKEND = OUTBOX_BACKEND


def _invoice_state(invoice: Invoice) -> list:
    return [
        list(Invoice.objects.filter(project=invoice.project_id).order_by("pk").values()),
        list(InvoiceLine.objects.filter(invoice__project=invoice.project_id).order_by("pk").values()),
        list(InvoiceDocument.objects.filter(invoice__project=invoice.project_id).order_by("pk").values()),
    ]


def test_nothing_is_purged_before_the_retention_period_is_over():
    life = closed_project()
    found = where_found(PERSONAL_VALUES)
    files = [e.file.name for e in Evidence.objects.order_by("pk")]

    with on(LAST_DAY_KEPT, hour=23):
        assert personal_data_purge_due() == 0

    assert where_found(PERSONAL_VALUES) == found
    assert len(found) > 50  # the people's values really were copied all over
    assert all(Evidence.objects.get(file=name).file.storage.exists(name) for name in files)
    assert not AuditEvent.objects.filter(action__endswith="personal_data_purged").exists()
    life.application.refresh_from_db()
    assert life.application.personal_data_purged_at is None


def test_after_the_retention_period_no_personal_value_is_left_in_any_table():
    life = closed_project()

    with on(FIRST_DAY_PURGED):
        assert personal_data_purge_due() == 1

    assert where_found(PERSONAL_VALUES) == []
    # Nor the IDs the people chose (tanaka.xyz, suzuki2.abc), nor the requested parts on their own.
    assert where_found(tuple(life.old_account_ids)) == []
    assert not User.objects.filter(username__startswith="tanaka").exists()
    assert not User.objects.filter(username__startswith="suzuki2").exists()


def test_company_project_and_billing_address_are_kept_and_personal_fields_are_marked_erased():
    life = closed_project()

    with on(FIRST_DAY_PURGED):
        personal_data_purge_due()

    application = Application.objects.get(pk=life.application.pk)
    assert application.personal_data_purged_at is not None
    assert (application.applicant_name, application.applicant_email, application.applicant_phone) == (
        ERASED,
        ERASED,
        ERASED,
    )
    assert application.contractor_representative == ERASED
    assert (application.contractor_name, application.contractor_phone) == ("株式会社越後建設", "025-244-1234")
    assert (application.billing_addressee, application.billing_address) == (
        "株式会社越後建設",
        "新潟県新潟市中央区万代1丁目1番1号",
    )
    assert [(u.name, u.email, u.phone) for u in application.users.order_by("position")] == [
        (ERASED, ERASED, ERASED)
    ] * 2
    assert all(re.fullmatch(r"del[0-9a-z]+", u.requested_id) for u in application.users.all())
    project = Project.objects.get(pk=life.project.pk)
    assert (project.name, project.project_number, project.status) == (
        life.project.name,
        life.project.project_number,
        "closed",
    )
    change = ChangeRequest.objects.get()
    assert (change.requester_name, change.requester_email, change.personal_data_purged_at) == (
        ERASED,
        ERASED,
        application.personal_data_purged_at,
    )
    assert list(ChangeItem.objects.order_by("position").values_list("before", "after")) == [
        (ERASED, ERASED),
        (ERASED, ERASED),
    ]
    call = CallBack.objects.get()
    assert (call.contact_name, call.phone_number, call.note, call.outcome) == (
        ERASED,
        ERASED,
        ERASED,
        "confirmed",
    )


def test_invoices_and_their_pdfs_are_untouched_and_still_verify():
    life = closed_project()
    before = _invoice_state(life.invoice)

    with on(FIRST_DAY_PURGED):
        personal_data_purge_due()

    assert _invoice_state(life.invoice) == before
    (document,) = InvoiceDocument.objects.filter(invoice=life.invoice)
    with document.file.open("rb") as handle:
        content = handle.read()
    assert sha256_of(content) == document.sha256
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert life.invoice.number in text and "株式会社越後建設" in text


def test_contractor_accounts_are_anonymised_but_kept():
    life = closed_project()
    members_before = list(
        Membership.objects.filter(project=life.project).order_by("pk").values_list("pk", "user_id")
    )

    with on(FIRST_DAY_PURGED):
        personal_data_purge_due()

    contractors = list(
        User.objects.filter(memberships__project=life.project, role="contractor").order_by("pk")
    )
    assert len(contractors) == 2
    for user, old_id in zip(contractors, life.old_account_ids, strict=True):
        assert ACCOUNT_ID.match(user.username)
        assert user.username.startswith("del") and old_id.partition(".")[0] not in user.username
        assert (user.display_name, user.kana, user.email, user.phone) == (ERASED, "", "", "")
        assert (user.first_name, user.last_name, user.is_active) == ("", "", False)
        assert not is_password_usable(user.password)
        assert not user.password_history.exists()
    assert list(
        Membership.objects.filter(project=life.project).order_by("pk").values_list("pk", "user_id")
    ) == (members_before)


def test_evidence_files_are_deleted_and_verify_evidence_reports_them_as_purged(capsys):
    life = closed_project()
    evidence = list(Evidence.objects.order_by("pk"))
    assert (
        len(evidence) == 5
    )  # the web form, two replies (one not from the directory), the change form, the call record
    names = [e.file.name for e in evidence]
    storage = evidence[0].file.storage

    with on(FIRST_DAY_PURGED):
        personal_data_purge_due()

    assert not any(storage.exists(name) for name in names)
    for before in evidence:
        after = Evidence.objects.get(pk=before.pk)
        assert (after.sha256, after.size_bytes, after.kind) == (before.sha256, before.size_bytes, before.kind)
        assert after.purged_at is not None and after.file.name == ""
        result = evidence_verify(evidence=after)
        assert (result.ok, result.reason, result.purged) == (True, "purged", True)
    call_command("verify_evidence", verbosity=2)
    out = capsys.readouterr().out
    assert "purged=5 missing=0 checksum_mismatch=0 orphans=0 stale_temp=0" in out
    assert life.application.pk  # the application row itself stays


def test_audit_log_keeps_action_time_and_actor_and_records_the_purge_with_counts_only():
    life = closed_project()
    before = list(
        AuditEvent.objects.order_by("pk").values_list("pk", "at", "action", "actor_type", "actor_id")
    )
    applicant_events = list(
        AuditEvent.objects.filter(actor_label="tanaka@echigo-kensetsu.example.co.jp").values_list(
            "pk", flat=True
        )
    )
    assert applicant_events

    with on(FIRST_DAY_PURGED):
        personal_data_purge_due()

    after = list(
        AuditEvent.objects.order_by("pk").values_list("pk", "at", "action", "actor_type", "actor_id")
    )
    assert after[: len(before)] == before
    assert [row[2] for row in after[len(before) :]] == [
        "project.personal_data_purged",
        "application.personal_data_purged",
    ]
    assert set(AuditEvent.objects.filter(pk__in=applicant_events).values_list("actor_label", flat=True)) == {
        ERASED
    }
    event = AuditEvent.objects.get(action="project.personal_data_purged")
    assert (event.subject_id, event.actor_type, event.actor_label) == (
        life.project.pk,
        "system",
        "purge_personal_data",
    )
    assert event.data == {
        "application_users": 2,
        "accounts": 2,
        "change_requests": 1,
        "call_backs": 1,
        "confirmations": 1,
        "evidence_files": 5,
        "mailbox_messages": 0,
        "deliveries": event.data["deliveries"],
        "audit_events": event.data["audit_events"],
        "retention_days": 365,
        "application_id": life.application.pk,
    }
    assert event.data["deliveries"] > 5 and event.data["audit_events"] > 5
    registered = AuditEvent.objects.get(action="project.registered")
    renamed = list(User.objects.filter(memberships__project=life.project, role="contractor").order_by("pk"))
    orderer = User.objects.get(supervisor=life.supervisor)
    assert registered.data["issued_accounts"] == [*(u.username for u in renamed), orderer.username]


def test_mails_to_the_people_lose_their_address_and_mails_to_the_supervisor_keep_theirs():
    life = closed_project()
    to_supervisor = list(
        Delivery.objects.filter(to_address=life.supervisor.email).values_list("pk", flat=True)
    )
    assert to_supervisor

    with on(FIRST_DAY_PURGED):
        personal_data_purge_due()

    assert set(Delivery.objects.filter(pk__in=to_supervisor).values_list("to_address", flat=True)) == {
        life.supervisor.email
    }
    to_people = Delivery.objects.exclude(pk__in=to_supervisor)
    assert set(to_people.values_list("to_address", flat=True)) == {ERASED}
    assert all(key.startswith("purged:") for key in to_people.values_list("idempotency_key", flat=True))


def test_running_again_purges_nothing_twice():
    closed_project()
    with on(FIRST_DAY_PURGED):
        assert personal_data_purge_due() == 1
    events = AuditEvent.objects.count()
    purged_at = Application.objects.get().personal_data_purged_at

    with on(FIRST_DAY_PURGED + timedelta(days=1)):
        assert personal_data_purge_due() == 0

    assert AuditEvent.objects.count() == events
    assert Application.objects.get().personal_data_purged_at == purged_at
    assert set(Evidence.objects.values_list("purged_at", flat=True)) == {purged_at}


def test_orderer_account_and_the_same_persons_other_project_are_untouched():
    life = closed_project()
    supervisor_entry = Supervisor.objects.get(pk=life.supervisor.pk)
    with on(date(2027, 5, 10), hour=10):
        other, other_accounts = started(supervisors=[supervisor_entry], period_end=date(2028, 12, 20))
    orderer = User.objects.get(supervisor=supervisor_entry)
    orderer_before = User.objects.filter(pk=orderer.pk).values().get()
    directory_before = Supervisor.objects.filter(pk=supervisor_entry.pk).values().get()
    other_application = Application.objects.filter(pk=other.application_id).values().get()
    other_users = list(User.objects.filter(pk__in=[u.pk for u in other_accounts]).order_by("pk").values())
    other_deliveries = list(
        Delivery.objects.filter(subject_type="user", subject_id__in=[u.pk for u in other_accounts]).values()
    )

    with on(FIRST_DAY_PURGED):
        assert personal_data_purge_due() == 1

    assert User.objects.filter(pk=orderer.pk).values().get() == orderer_before
    assert Supervisor.objects.filter(pk=supervisor_entry.pk).values().get() == directory_before
    assert Application.objects.filter(pk=other.application_id).values().get() == other_application
    assert (
        list(User.objects.filter(pk__in=[u.pk for u in other_accounts]).order_by("pk").values())
        == other_users
    )
    assert (
        list(
            Delivery.objects.filter(
                subject_type="user", subject_id__in=[u.pk for u in other_accounts]
            ).values()
        )
        == other_deliveries
    )
    assert other_application["applicant_name"] == TANAKA["name"]


def test_an_account_still_used_on_another_project_keeps_its_name_and_id():
    life = closed_project()
    site_agent = User.objects.get(username=life.old_account_ids[0])
    with on(date(2027, 5, 10), hour=10):
        other, _accounts = started(period_end=date(2028, 12, 20))
        Membership.objects.create(project=other, user=site_agent, role="site_agent")

    with on(FIRST_DAY_PURGED):
        assert personal_data_purge_due() == 1

    site_agent.refresh_from_db()
    assert (site_agent.username, site_agent.display_name) == (life.old_account_ids[0], "田中 一郎")
    engineer = User.objects.get(memberships__project=life.project, role="contractor", pk__gt=site_agent.pk)
    assert engineer.username.startswith("del")
    # This project's own records no longer hold his name.
    assert Application.objects.get(pk=life.application.pk).applicant_name == ERASED


def test_a_project_in_use_cannot_be_purged():
    with on(date(2027, 1, 10), hour=10):
        project, _accounts = started()
    application = Application.objects.get(pk=project.application_id)
    events = AuditEvent.objects.count()

    with pytest.raises(Conflict, match="利用中の工事"):
        application_personal_data_purge(application=application, actor=Actor.system("test"))

    application.refresh_from_db()
    assert (application.applicant_name, application.personal_data_purged_at) == ("田中 一郎", None)
    assert AuditEvent.objects.count() == events
