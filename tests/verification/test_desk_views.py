"""The desk's confirmation panel and actions: roles, one service per POST, messages, query count."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calsreg.accounts.models import Project, Role
from calsreg.applications.models import Application
from calsreg.records.models import AuditEvent
from calsreg.verification.models import ConfirmationRequest, PhoneCall
from calsreg.verification.services import call_record, confirmation_answer_by_link
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD
from tests.desk.helpers import confirm_preview, submit_application
from tests.factories import SupervisorFactory, UserFactory
from tests.verification.helpers import (
    awaiting_application,
    deliver,
    reply_eml,
    signed_in_as,
    state,
    token_for,
)

pytestmark = pytest.mark.django_db

ROLES = [
    (None, 302),
    (Role.CONTRACTOR, 403),
    (Role.SUPERVISOR, 403),
    (Role.BILLING_AGENT, 403),
]


def _messages(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def _post_urls(application: Application, request_pk: int) -> list[tuple[str, dict]]:
    return [
        (
            reverse("desk:confirmation_send", args=[application.pk]),
            {"language": "ja", "open_ids": str(request_pk)},
        ),
        (
            reverse("desk:reply_record", args=[application.pk, request_pk]),
            {
                "answer": "confirmed",
                "reason": "",
                "eml": SimpleUploadedFile("r.eml", reply_eml(sender="a@b.jp")),
            },
        ),
        (reverse("desk:call_record", args=[application.pk]), {"outcome": "confirmed", "note": ""}),
        (reverse("desk:application_return", args=[application.pk]), {"reason": "訂正"}),
        (reverse("desk:application_reject", args=[application.pk]), {"reason": "却下"}),
        (reverse("desk:project_register", args=[application.pk]), {}),
        (reverse("desk:project_start_use", args=[application.pk]), {"when": "now"}),
    ]


@pytest.mark.parametrize(("role", "expected"), ROLES)
def test_actions_are_for_the_help_desk_only_and_change_nothing_otherwise(
    client, desk, supervisor, role, expected
):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    request = ConfirmationRequest.objects.get(application=application)
    signed_in_as(client, role)
    before = state()

    statuses = [client.post(url, data).status_code for url, data in _post_urls(application, request.pk)]
    statuses.append(client.get(reverse("desk:verification_panel", args=[application.pk])).status_code)
    statuses.append(client.get(reverse("desk:confirmations_attention")).status_code)

    assert statuses == [expected] * 9
    assert state() == before


@pytest.mark.parametrize("role", [Role.HELP_DESK, Role.ADMINISTRATOR])
def test_help_desk_and_administrator_open_the_panel(client, desk, supervisor, role):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    client.force_login(UserFactory(role=role))

    panel = client.get(reverse("desk:verification_panel", args=[application.pk]))
    attention = client.get(reverse("desk:confirmations_attention"))

    assert (panel.status_code, attention.status_code) == (200, 200)


def test_detail_page_includes_the_panel_loader(desk_client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)

    content = desk_client.get(reverse("desk:application_detail", args=[application.pk])).content.decode()

    assert f'hx-get="/desk/applications/{application.pk}/verification/"' in content


def test_send_from_the_desk_goes_to_the_directory_and_ignores_crafted_addresses(desk_client, supervisor):
    application = submit_application(supervisor=supervisor)

    response = desk_client.post(
        reverse("desk:confirmation_send", args=[application.pk]),
        {"language": "ja", "open_ids": "", "to": "evil@example.com", "sent_to": "evil@example.com"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/desk/applications/{application.pk}/#verification"
    assert _messages(response) == [
        "発注者の監督員（名簿のアドレス）へ内容確認メールを送信しました。電話でも確認してください。"
    ]
    assert list(ConfirmationRequest.objects.values_list("sent_to", flat=True)) == [supervisor.email]
    assert [m.to for m in deliver() if "ご確認のお願い" in m.subject] == [[supervisor.email]]


def test_send_without_directory_supervisors_shows_the_reason(desk_client):
    application = submit_application()
    application.supervisors.clear()
    before = state()

    response = desk_client.post(reverse("desk:confirmation_send", args=[application.pk]), {"language": "ja"})

    assert _messages(response) == [
        "発注者の監督員: 名簿の監督員がまだ決まっていません。申込書に書かれた監督員を発注者名簿と照合してから、"
        "確認メールを送ってください（確認メールは名簿のアドレスにだけ送ります）。"
    ]
    assert state() == before


def test_panel_shows_requests_the_directory_number_and_the_unlisted_sender_warning(
    desk_client, desk, supervisor
):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    request = ConfirmationRequest.objects.get(application=application)
    desk_client.post(
        reverse("desk:reply_record", args=[application.pk, request.pk]),
        {
            "answer": "confirmed",
            "reason": "",
            "eml": SimpleUploadedFile("reply.eml", reply_eml(sender="someone@else.example.com")),
        },
    )

    content = desk_client.get(reverse("desk:verification_panel", args=[application.pk])).content.decode()

    assert supervisor.email in content
    assert "<output>025-280-8101</output>" in content
    assert "返信メールの差出人（監督 員 &lt;someone@else.example.com&gt;）は名簿のアドレス" in content
    assert 'name="phone' not in content and 'name="email' not in content and 'name="to"' not in content


def test_call_form_records_the_directory_number_whatever_is_posted(desk_client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)

    response = desk_client.post(
        reverse("desk:call_record", args=[application.pk]),
        {"supervisor": supervisor.pk, "outcome": "no_answer", "note": "", "phone_number": "090-9999-9999"},
    )

    assert _messages(response) == ["電話確認を記録しました。"]
    assert list(PhoneCall.objects.values_list("phone_number", flat=True)) == ["025-280-8101"]


def test_call_form_refuses_a_supervisor_outside_the_application(desk_client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    stranger = SupervisorFactory(office=supervisor.office)
    before = state()

    response = desk_client.post(
        reverse("desk:call_record", args=[application.pk]),
        {"supervisor": stranger.pk, "outcome": "confirmed"},
    )

    assert len(_messages(response)) == 1 and "電話した監督員（名簿）" in _messages(response)[0]
    assert state() == before


def test_reject_from_the_desk_and_the_banner(desk_client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    call_record(application=application, supervisor=supervisor, outcome="denied", note="知らない", actor=desk)

    detail = desk_client.get(reverse("desk:application_detail", args=[application.pk])).content.decode()
    response = desk_client.post(reverse("desk:application_reject", args=[application.pk]), {"reason": "再度"})

    assert 'id="impersonation-banner"' in detail
    assert _messages(response) == ["「却下」の申込を「却下」にすることはできません。"]


@time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True)  # a start of use within the period
def test_buttons_follow_the_state_table(desk_client, desk, supervisor):
    application = submit_application(supervisor=supervisor)

    def panel() -> str:
        return desk_client.get(reverse("desk:verification_panel", args=[application.pk])).content.decode()

    submitted = panel()
    assert 'id="confirmation-send-form"' in submitted
    assert 'id="call-record-form"' not in submitted and 'id="project-register-form"' not in submitted
    desk_client.post(reverse("desk:confirmation_send", args=[application.pk]), {"language": "ja"})
    awaiting = panel()
    assert "確認メールを再送する" in awaiting and 'id="call-record-form"' in awaiting
    assert 'id="application-return-form"' in awaiting and 'id="application-reject-form"' in awaiting
    assert 'id="project-register-form"' not in awaiting

    confirmation_answer_by_link(token=token_for(supervisor.email, deliver()), answer="confirmed", reason="")
    call_record(application=application, supervisor=supervisor, outcome="confirmed", note="", actor=desk)
    confirmed = panel()
    assert 'id="project-register-form"' in confirmed
    assert 'id="confirmation-send-form"' not in confirmed and 'id="call-record-form"' not in confirmed
    assert 'id="application-return-form"' not in confirmed

    response = confirm_preview(desk_client, reverse("desk:project_register", args=[application.pk]))
    assert _messages(response) == [
        "システムに登録しました。各利用者にIDとパスワードを別々のメールで送ります。"
    ]
    registered = panel()
    assert 'id="project-register-form"' not in registered and 'id="project-start-use-form"' in registered

    response = confirm_preview(
        desk_client, reverse("desk:project_start_use", args=[application.pk]), {"when": "now"}
    )
    started_message, billing_warning = _messages(response)
    assert started_message == "利用を開始しました。関係者に利用開始のお知らせを送ります。"
    # No fee plan in this test: the start of use stands and the operator is warned (tests/billing).
    assert billing_warning.startswith("請求書の下書きを作成できませんでした（")
    assert Project.objects.get(application=application).started_at is not None
    assert 'id="project-start-use-form"' not in panel()


def test_register_before_confirmation_shows_the_refusal_and_changes_nothing(desk_client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    before = state()

    response = desk_client.post(reverse("desk:project_register", args=[application.pk]))

    assert "確認が済んでいない申込は登録できません" in _messages(response)[0]
    assert state() == before and Project.objects.count() == 0


@pytest.mark.parametrize("n", [1, 6])
def test_panel_costs_the_same_queries_for_1_or_6_requests_and_calls(
    desk_client, desk, django_assert_num_queries, n
):
    first = SupervisorFactory()
    application = awaiting_application(desk=desk, supervisor=first)
    for _ in range(n - 1):
        application.supervisors.add(SupervisorFactory(office=first.office))
    from calsreg.verification.services import confirmation_request_send

    confirmation_request_send(application=application, actor=desk)  # n open + 1 superseded
    for supervisor in application.supervisors.all():
        call_record(application=application, supervisor=supervisor, outcome="no_answer", note="", actor=desk)
    url = reverse("desk:verification_panel", args=[application.pk])

    # session, user, application (+office), directory supervisors, requests (+supervisor, sender,
    # evidence), calls (+supervisor, caller), replies from other senders (+request, supervisor, evidence)
    with django_assert_num_queries(7):
        response = desk_client.get(url, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert content.count('id="confirmation-request-') == n + 1
    assert content.count("不在・応答なし</span>") == n


def test_attention_page_lists_a_denial(desk_client, desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    call_record(application=application, supervisor=supervisor, outcome="denied", note="知らない", actor=desk)

    content = desk_client.get(reverse("desk:confirmations_attention")).content.decode()

    assert application.receipt_number in content and "否認（電話）" in content
    assert AuditEvent.objects.filter(action="application.rejected").count() == 1
    assert mail.outbox == []
