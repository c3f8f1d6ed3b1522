"""The supervisor's link: one answer, bound to one request; refused when unknown, used, expired,
superseded or the application no longer awaits — with nothing changed and nothing sent."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from calsreg.applications.services import application_withdraw
from calsreg.core.errors import ValidationFailed
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from calsreg.verification.errors import ConfirmationLinkRefused
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.services import confirmation_answer_by_link, confirmation_request_send
from tests.factories import SupervisorFactory
from tests.verification.helpers import awaiting_application, deliver, state, token_for

pytestmark = pytest.mark.django_db


def _url(token: str) -> str:
    return reverse("portal:confirm", args=[token])


def test_get_shows_the_summary_and_the_two_choices_and_changes_nothing(client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    token = token_for(supervisor.email, deliver())
    before = state()

    response = client.get(_url(token))

    content = response.content.decode()
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    for text in (
        application.receipt_number,
        application.office.name,
        "信濃川護岸設置工事",
        "R8-新潟-土木-0123",
        "48,400,000円",
        "株式会社越後建設",
        "越後 正樹",
        "田中 一郎",
        "申込内容に間違いありません（確認）",
        "心当たりがない・誤りがある（否認）",
    ):
        assert text in content
    # Nothing beyond what the mail showed: no applicant contact, no users, no billing data.
    for text in ("tanaka@echigo-kensetsu.example.co.jp", "090-1234-5678", "suzuki2", "工事部"):
        assert text not in content
    assert state() == before


def test_confirm_through_the_page_records_the_answer_once(client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    token = token_for(supervisor.email, deliver())

    response = client.post(_url(token), {"answer": "confirmed", "reason": ""})

    assert response.status_code == 200
    assert "ご回答ありがとうございました" in response.content.decode()
    request = ConfirmationRequest.objects.get(application=application)
    assert (request.answer, request.answer_channel, request.answered_at is not None) == (
        "confirmed",
        "link",
        True,
    )
    application.refresh_from_db()
    assert application.status == "awaiting_confirmation"  # the call is still needed
    event = AuditEvent.objects.get(action="confirmation.answered")
    assert (event.actor_type, event.actor_label) == ("supervisor", f"山田 直樹（{supervisor.code}）")

    before = state()
    again = client.post(_url(token), {"answer": "denied", "reason": "やはり違います"})

    assert again.status_code == 409
    assert "すでにご回答いただいています" in again.content.decode()
    assert state() == before


def test_denial_needs_a_reason_and_changes_nothing_without_one(client, desk, supervisor):
    awaiting_application(desk=desk, supervisor=supervisor)
    token = token_for(supervisor.email, deliver())
    before = state()

    response = client.post(_url(token), {"answer": "denied", "reason": "  "})

    assert response.status_code == 422
    assert "否認の場合は、理由を入力してください。" in response.content.decode()
    assert state() == before


def test_an_answer_that_is_neither_choice_is_refused(desk, supervisor):
    awaiting_application(desk=desk, supervisor=supervisor)
    token = token_for(supervisor.email, deliver())
    before = state()

    with pytest.raises(ValidationFailed):
        confirmation_answer_by_link(token=token, answer="maybe", reason="")

    assert state() == before


def test_denial_by_link_rejects_with_the_flag_and_a_neutral_notice(client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    token = token_for(supervisor.email, deliver())

    client.post(_url(token), {"answer": "denied", "reason": "このような工事の発注はありません。"})

    application.refresh_from_db()
    assert (application.status, application.impersonation_suspected) == ("rejected", True)
    assert "このような工事の発注はありません。" in application.decision_reason
    (notice,) = [m for m in deliver() if m.to == [application.applicant_email]]
    assert (
        notice.subject == f"【新潟県CALSシステム】お申込みについて（受付番号：{application.receipt_number}）"
    )
    for word in ("否認", "なりすまし", "監督員", "発注はありません", supervisor.name):
        assert word not in notice.body
    event = AuditEvent.objects.get(action="application.rejected")
    assert event.data["impersonation_suspected"] is True


def test_unknown_token_is_refused(client, desk, supervisor):
    awaiting_application(desk=desk, supervisor=supervisor)
    deliver()
    before = state()

    response = client.post(_url("not-a-real-token"), {"answer": "confirmed"})

    assert response.status_code == 404
    assert "このリンクは無効です" in response.content.decode()
    assert state() == before


def test_expired_link_is_refused(client, desk, supervisor, settings):
    settings.CONFIRMATION_LINK_DAYS = 14
    awaiting_application(desk=desk, supervisor=supervisor)
    token = token_for(supervisor.email, deliver())
    before = state()

    with time_machine.travel(timezone.now() + dt.timedelta(days=14, seconds=1)):
        page = client.get(_url(token))
        response = client.post(_url(token), {"answer": "confirmed"})

    assert (page.status_code, response.status_code) == (410, 410)
    assert "有効期限が切れています" in response.content.decode()
    assert state() == before


def test_a_superseded_link_is_refused_after_a_resend(client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    old_token = token_for(supervisor.email, deliver())
    confirmation_request_send(application=application, actor=desk)
    deliver()
    before = state()

    response = client.post(_url(old_token), {"answer": "confirmed"})

    assert response.status_code == 410
    assert "その後にお送りしたメールにより無効" in response.content.decode()
    assert state() == before


def test_link_of_a_withdrawn_application_is_refused(client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    token = token_for(supervisor.email, deliver())
    application_withdraw(application=application, actor=Actor.applicant(application.applicant_email))
    before = state()

    response = client.post(_url(token), {"answer": "confirmed"})

    assert response.status_code == 409
    assert "内容確認を受け付けていません" in response.content.decode()
    assert state() == before


def test_a_link_answers_only_its_own_application_whatever_the_post_says(client, desk):
    # given: two applications awaiting, each with its own supervisor and link
    first_supervisor, second_supervisor = SupervisorFactory(), SupervisorFactory()
    first = awaiting_application(desk=desk, supervisor=first_supervisor)
    second = awaiting_application(desk=desk, supervisor=second_supervisor)
    messages = deliver()
    first_token = token_for(first_supervisor.email, messages)
    second_request = ConfirmationRequest.objects.get(application=second)

    # when: the first link is posted with the second application's ids crafted into the form
    client.post(
        _url(first_token),
        {
            "answer": "denied",
            "reason": "x",
            "application": second.pk,
            "application_id": second.pk,
            "request": second_request.pk,
            "supervisor": second_supervisor.pk,
        },
    )

    # then: only the first application is touched
    first.refresh_from_db()
    second.refresh_from_db()
    second_request.refresh_from_db()
    assert (first.status, second.status) == ("rejected", "awaiting_confirmation")
    assert second_request.answered_at is None and not second.impersonation_suspected


def test_a_link_is_bound_to_its_supervisor(desk):
    # Two supervisors of one application each get their own link; each answers only their request.
    first_supervisor = SupervisorFactory()
    second_supervisor = SupervisorFactory(office=first_supervisor.office)
    application = awaiting_application(desk=desk, supervisor=first_supervisor)
    application.supervisors.add(second_supervisor)
    confirmation_request_send(application=application, actor=desk)
    messages = deliver()

    answered = confirmation_answer_by_link(
        token=token_for(second_supervisor.email, messages), answer="confirmed", reason=""
    )

    assert answered.supervisor_id == second_supervisor.pk
    assert list(
        ConfirmationRequest.objects.filter(answered_at__isnull=False).values_list("supervisor_id", flat=True)
    ) == [second_supervisor.pk]


def test_service_refusal_reasons(desk, supervisor):
    awaiting_application(desk=desk, supervisor=supervisor)
    token = token_for(supervisor.email, deliver())
    confirmation_answer_by_link(token=token, answer="confirmed", reason="")

    with pytest.raises(ConfirmationLinkRefused) as refused:
        confirmation_answer_by_link(token=token, answer="confirmed", reason="")

    assert refused.value.reason == "used"


def test_the_applicants_status_page_does_not_reveal_the_denial(client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    confirmation_answer_by_link(
        token=token_for(supervisor.email, deliver()), answer="denied", reason="この工事の発注はありません"
    )

    response = client.post(
        reverse("portal:status"),
        {"receipt_number": application.receipt_number, "email": application.applicant_email},
    )

    content = response.content.decode()
    assert application.receipt_number in content and "却下" in content
    for word in ("否認", "なりすまし", "監督員が", "この工事の発注はありません"):
        assert word not in content
