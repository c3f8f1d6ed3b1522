"""Sending the confirmation request: only to directory addresses, token hashed, re-send, refusals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.applications.models import Application
from calsreg.core.errors import Conflict, InvalidTransition, ValidationFailed
from calsreg.core.secrets import secret_hash
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.services import confirmation_request_send
from tests.desk.helpers import JST, make_application, submit_application
from tests.factories import OfficeFactory, SupervisorFactory, UserFactory
from tests.verification.helpers import TOKEN_RE, deliver, state, token_for

pytestmark = pytest.mark.django_db

CONFIRMATION_SUBJECT = "【新潟県CALSシステム】利用申込内容のご確認のお願い"


@pytest.mark.django_db(transaction=True)
def test_confirmation_mail_goes_only_to_the_directory_address_over_real_smtp(client, smtp_server, run_tasks):
    # given: an applicant whose own address looks like the supervisor's, and a crafted form
    supervisor = SupervisorFactory(email="yamada.n@office.example.pref-niigata.jp")
    application = submit_application(
        supervisor=supervisor, applicant_email="yamada.n@office-example-pref-niigata.example.com"
    )
    client.force_login(UserFactory(role=Role.HELP_DESK))

    # when
    response = client.post(
        reverse("desk:confirmation_send", args=[application.pk]),
        {
            "language": "ja",
            "open_ids": "",
            "to": "attacker@example.com",
            "sent_to": "attacker@example.com",
            "email": "attacker@example.com",
            "supervisor_email": "attacker@example.com",
        },
    )
    run_tasks()

    # then
    assert response.status_code == 302
    sent = [
        (envelope.rcpt_tos, subject)
        for envelope, subject in zip(smtp_server.envelopes, smtp_server.subjects, strict=True)
    ]
    assert [rcpt for rcpt, subject in sent if subject.startswith(CONFIRMATION_SUBJECT)] == [
        ["yamada.n@office.example.pref-niigata.jp"]
    ]
    # The applicant gets only the acknowledgment; the users, the crafted address: nothing.
    assert sorted(rcpt for rcpts, _subject in sent for rcpt in rcpts) == [
        "yamada.n@office-example-pref-niigata.example.com",
        "yamada.n@office.example.pref-niigata.jp",
    ]
    assert next(s for r, s in sent if r == ["yamada.n@office-example-pref-niigata.example.com"]).startswith(
        "【新潟県CALSシステム】利用申込を受け付けました"
    )


@pytest.mark.django_db(transaction=True)
def test_the_clear_token_is_only_in_the_sent_mail(smtp_server, run_tasks):
    supervisor = SupervisorFactory()
    application = submit_application(supervisor=supervisor)
    (request,) = confirmation_request_send(
        application=application, actor=Actor.staff(UserFactory(role=Role.HELP_DESK))
    )

    run_tasks()

    (message,) = [m for m in smtp_server.messages if supervisor.email in str(m["To"])]
    token = TOKEN_RE.search(message.get_body(("plain",)).get_content()).group(1)
    request.refresh_from_db()
    assert request.token_hash == secret_hash(token)
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert token not in dump.getvalue()
    assert token not in str(list(Delivery.objects.values_list("context", flat=True)))
    assert token not in str(list(AuditEvent.objects.values_list("summary", "summary_params", "data")))


def test_send_moves_to_awaiting_and_makes_one_request_per_directory_supervisor(desk):
    office = OfficeFactory()
    chief = SupervisorFactory(office=office, email="chief@office.example.jp")
    other = SupervisorFactory(office=office, email="other@office.example.jp")
    inactive = SupervisorFactory(office=office, email="gone@office.example.jp", active=False)
    elsewhere = SupervisorFactory(email="elsewhere@other.example.jp")
    application = submit_application(supervisor=chief)
    application.supervisors.add(other, inactive, elsewhere)

    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST), tick=False):
        requests = confirmation_request_send(application=application, actor=desk)

    application.refresh_from_db()
    assert application.status == "awaiting_confirmation"
    assert sorted((r.supervisor_id, r.sent_to) for r in requests) == sorted(
        [(chief.pk, "chief@office.example.jp"), (other.pk, "other@office.example.jp")]
    )
    assert {r.due_back_on for r in requests} == {dt.date(2026, 11, 27)}  # Tue + 3 business days
    assert {r.expires_at for r in requests} == {dt.datetime(2026, 12, 8, 10, 0, tzinfo=JST)}
    deliveries = Delivery.objects.filter(kind="confirmation_request").order_by("to_address")
    assert [(d.to_address, d.idempotency_key) for d in deliveries] == sorted(
        (r.sent_to, f"confirmation_request:{r.pk}") for r in requests
    )
    event = AuditEvent.objects.get(action="confirmation.sent")
    assert event.data["status"] == ["submitted", "awaiting_confirmation"]
    assert event.summary == "発注者の監督員（名簿）へ内容確認メールを送信しました: %(names)s"


def test_the_mail_summarises_project_and_contractor_and_mentions_the_call(desk, supervisor, mailoutbox):
    application = submit_application(supervisor=supervisor)
    confirmation_request_send(application=application, actor=desk)

    (message,) = [m for m in deliver() if m.to == [supervisor.email]]

    assert message.subject == f"{CONFIRMATION_SUBJECT}（受付番号：{application.receipt_number}）"
    for text in (
        application.office.name,
        "R8-新潟-土木-0123",
        "信濃川護岸設置工事",
        "新潟市中央区白山浦地内",
        "2026年12月1日(火) 〜 2027年3月19日(金)",
        "48,400,000円",
        "株式会社越後建設",
        "越後 正樹",
        "田中 一郎",
        "山田 直樹 様",
        "お電話を差し上げます",
    ):
        assert text in message.body
    assert "tanaka@echigo-kensetsu.example.co.jp" not in message.body
    assert TOKEN_RE.search(message.body)


def test_english_mail(desk, supervisor, mailoutbox):
    application = submit_application(supervisor=supervisor)
    confirmation_request_send(application=application, actor=desk, language="en")

    (message,) = [m for m in deliver() if m.to == [supervisor.email]]

    assert message.subject.startswith("[Niigata CALS System] Please confirm a usage application")
    assert "48,400,000 yen" in message.body
    assert "the help desk will also telephone you" in message.body


def test_resend_supersedes_the_open_request_and_its_link(desk, supervisor, mailoutbox):
    application = submit_application(supervisor=supervisor)
    (first,) = confirmation_request_send(application=application, actor=desk)
    old_token = token_for(supervisor.email, deliver())

    (second,) = confirmation_request_send(application=application, actor=desk, expected_open_ids={first.pk})
    new_token = token_for(supervisor.email, deliver())

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.superseded_at is not None and second.is_open
    assert first.token_hash == secret_hash(old_token)
    assert second.token_hash == secret_hash(new_token)
    assert AuditEvent.objects.get(action="confirmation.resent").data["superseded"] == [first.pk]


def test_a_double_click_sends_one_set_of_mails(desk, supervisor):
    application = submit_application(supervisor=supervisor)
    confirmation_request_send(application=application, actor=desk, expected_open_ids=set())
    before = state()

    with pytest.raises(Conflict):
        confirmation_request_send(application=application, actor=desk, expected_open_ids=set())

    assert state() == before


def test_no_directory_supervisor_yet_is_refused_and_nothing_changes(desk):
    # A workbook whose typed names the desk has not matched to the directory yet.
    application = make_application(office=OfficeFactory(), number=1, stated_supervisors=[{"name": "山田"}])
    before = state()

    with pytest.raises(ValidationFailed) as refused:
        confirmation_request_send(application=application, actor=desk)

    assert "名簿の監督員がまだ決まっていません" in refused.value.message
    assert state() == before
    assert Application.objects.get(pk=application.pk).status == "submitted"


@pytest.mark.parametrize("status", ["confirmed", "returned", "rejected", "withdrawn", "registered"])
def test_send_is_refused_outside_submitted_and_awaiting(desk, supervisor, status):
    application = submit_application(supervisor=supervisor)
    Application.objects.filter(pk=application.pk).update(status=status)
    before = state()

    with pytest.raises(InvalidTransition):
        confirmation_request_send(application=application, actor=desk)

    assert state() == before
    assert ConfirmationRequest.objects.count() == 0
