"""The help desk's confirmation actions through the API: send the confirmation request, record a reply
mail, record a call, return, reject, and the overview — with directory-only targets (invariant 1),
crafted payloads refused, and nothing changed and nothing sent on every refusal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Membership, Project, Role, User
from calsreg.applications.models import Application
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest, PhoneCall
from calsreg.verification.services import confirmation_request_send
from tests.api.helpers import bearer, staff_token
from tests.desk.helpers import submit_application
from tests.factories import SupervisorFactory
from tests.verification.helpers import deliver, reply_eml

pytestmark = pytest.mark.django_db

DIRECTORY_EMAIL = "yamada.n@office.example.pref-niigata.jp"
DIRECTORY_PHONE = "025-280-8101"
EXTRA_KEY = "「%s」という項目は受け付けていません。項目名を確認してください。"


# --- builders shared by the desk-action and confirmation API tests --------------------------------


def api_state() -> dict[str, Any]:
    """Everything a refused call must leave as it was, and every way a mail could have left."""
    return {
        "applications": list(
            Application.objects.order_by("pk").values_list(
                "pk", "status", "impersonation_suspected", "decision_reason"
            )
        ),
        "requests": list(
            ConfirmationRequest.objects.order_by("pk").values_list(
                "pk", "token_hash", "answered_at", "answer", "superseded_at", "reply_evidence_id"
            )
        ),
        "calls": PhoneCall.objects.count(),
        "projects": Project.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "deliveries": Delivery.objects.count(),
        "tasks": DBTaskResult.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "evidence": Evidence.objects.count(),
        "outbox": len(mail.outbox),
    }


def url(application: Application, tail: str) -> str:
    return f"/api/staff/applications/{application.receipt_number}/{tail}"


def directory_supervisor(**overrides: Any):
    return SupervisorFactory(
        **{"name": "山田 直樹", "email": DIRECTORY_EMAIL, "phone": DIRECTORY_PHONE, **overrides}
    )


def awaiting(*, desk_user: User, supervisor=None) -> Application:
    """Submitted through the real service, the confirmation request sent (its mail not yet delivered)."""
    application = submit_application(supervisor=supervisor or directory_supervisor())
    confirmation_request_send(application=application, actor=Actor.staff(desk_user))
    application.refresh_from_db()
    return application


def eml_upload(*, sender: str, name: str = "reply.eml", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, content if content is not None else reply_eml(sender=sender), "message/rfc822"
    )


@pytest.fixture
def desk(db) -> tuple[User, dict[str, str]]:
    """A help-desk user and the headers carrying their API token."""
    user, secret = staff_token(role=Role.HELP_DESK)
    return user, bearer(secret)


# --- sending the confirmation request ---------------------------------------------------------------


def test_send_mails_each_directory_supervisor_at_the_directory_address_and_nobody_else(client, desk):
    desk_user, headers = desk
    first = directory_supervisor()
    second = SupervisorFactory(office=first.office, email="sato.k@office.example.pref-niigata.jp")
    application = submit_application(supervisor=first, supervisor_ids=[first.pk, second.pk])
    deliver()  # the applicant's acknowledgment, sent before the desk acts

    response = client.post(
        url(application, "confirmation-requests"),
        {"expected_open_ids": []},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 201
    body = response.json()
    assert body["application"] == {
        "receipt_number": application.receipt_number,
        "status": "awaiting_confirmation",
        "status_label": "発注者確認中",
        "impersonation_suspected": False,
        "decision_reason": "",
    }
    assert [(r["supervisor"]["id"], r["sent_to"], r["is_open"]) for r in body["requests"]] == [
        (first.pk, DIRECTORY_EMAIL, True),
        (second.pk, "sato.k@office.example.pref-niigata.jp", True),
    ]
    assert body["requests"][0]["sent_by"] == str(desk_user)
    sent = deliver()
    assert sorted(tuple(message.to) for message in sent) == [
        ("sato.k@office.example.pref-niigata.jp",),
        (DIRECTORY_EMAIL,),
    ]
    assert all(not message.cc and not message.bcc for message in sent)
    assert all("/confirm/" in message.body for message in sent)
    event = AuditEvent.objects.get(action="confirmation.sent")
    assert (event.actor_type, event.actor_label) == ("api", f"api:{desk_user.username}")


@pytest.mark.parametrize(
    "crafted",
    [
        {"to": "attacker@evil.example.com"},
        {"email": "attacker@evil.example.com"},
        {"sent_to": "attacker@evil.example.com"},
        {"recipients": ["attacker@evil.example.com"]},
        {"cc": "attacker@evil.example.com"},
        {"supervisor_email": "attacker@evil.example.com"},
        {"supervisor_ids": [999]},
    ],
    ids=lambda crafted: next(iter(crafted)),
)
def test_a_crafted_address_in_the_send_body_is_refused_and_nothing_is_sent(client, desk, crafted):
    _user, headers = desk
    application = submit_application(supervisor=directory_supervisor())
    before = api_state()

    response = client.post(
        url(application, "confirmation-requests"),
        {"expected_open_ids": [], **crafted},
        content_type="application/json",
        **headers,
    )

    key = next(iter(crafted))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert [error["field"] for error in body["errors"]] == [key]
    assert body["errors"][0]["message"].endswith("という項目は受け付けていません。項目名を確認してください。")
    assert api_state() == before
    assert deliver() == [mail.outbox[0]]  # only the applicant's acknowledgment was ever due
    assert mail.outbox[0].to == [application.applicant_email]


def test_the_send_body_must_say_which_open_requests_the_caller_saw(client, desk):
    _user, headers = desk
    application = submit_application(supervisor=directory_supervisor())
    before = api_state()

    response = client.post(
        url(application, "confirmation-requests"), {}, content_type="application/json", **headers
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "expected_open_ids", "label": "", "message": "「expected_open_ids」がありません。"}
    ]
    assert api_state() == before


def test_two_quick_sends_with_the_same_expected_open_ids_send_one_set_of_mails(client, desk):
    _user, headers = desk
    application = submit_application(supervisor=directory_supervisor())
    first = client.post(
        url(application, "confirmation-requests"),
        {"expected_open_ids": []},
        content_type="application/json",
        **headers,
    )
    assert first.status_code == 201
    before = api_state()

    second = client.post(
        url(application, "confirmation-requests"),
        {"expected_open_ids": []},
        content_type="application/json",
        **headers,
    )

    assert second.status_code == 409
    assert second.json() == {
        "code": "conflict",
        "message": "この申込の確認依頼は、直前に別の操作で送信されています。画面を開き直してください。",
        "errors": [],
    }
    assert api_state() == before
    assert Delivery.objects.filter(kind="confirmation_request").count() == 1


def test_a_resend_naming_the_open_requests_supersedes_them_and_mails_again(client, desk):
    desk_user, headers = desk
    application = awaiting(desk_user=desk_user)
    (old,) = ConfirmationRequest.objects.filter(application=application)

    response = client.post(
        url(application, "confirmation-requests"),
        {"expected_open_ids": [old.pk]},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 201
    old.refresh_from_db()
    assert old.superseded_at is not None
    (new,) = response.json()["requests"]
    assert new["id"] != old.pk and new["sent_to"] == DIRECTORY_EMAIL
    assert Delivery.objects.filter(kind="confirmation_request", to_address=DIRECTORY_EMAIL).count() == 2
    assert AuditEvent.objects.filter(action="confirmation.resent").count() == 1


@pytest.mark.parametrize("status", ["rejected", "withdrawn", "in_service", "confirmed"])
def test_sending_is_refused_once_the_application_left_the_confirmation_steps(client, desk, status):
    _user, headers = desk
    application = submit_application(supervisor=directory_supervisor())
    Application.objects.filter(pk=application.pk).update(status=status)
    before = api_state()

    response = client.post(
        url(application, "confirmation-requests"),
        {"expected_open_ids": []},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert api_state() == before


def test_an_unknown_receipt_number_is_404_and_nothing_happens(client, desk):
    _user, headers = desk
    before = api_state()

    response = client.post(
        "/api/staff/applications/A2026-99999/confirmation-requests",
        {"expected_open_ids": []},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "その受付番号の申込はありません。",
        "errors": [],
    }
    assert api_state() == before


# --- recording a reply mail -----------------------------------------------------------------------


def test_a_reply_mail_from_the_directory_address_is_kept_as_evidence_and_recorded(client, desk):
    desk_user, headers = desk
    application = awaiting(desk_user=desk_user)
    request = ConfirmationRequest.objects.get(application=application)

    response = client.post(
        url(application, f"confirmation-requests/{request.pk}/reply"),
        {"file": eml_upload(sender=DIRECTORY_EMAIL), "answer": "confirmed", "reason": ""},
        **headers,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["application"]["status"] == "awaiting_confirmation"  # the call is still needed
    assert (body["counted"], body["warning"], body["unlisted_reply"]) == (True, "", None)
    assert {
        k: body["request"][k] for k in ("id", "answer", "answer_channel", "reply_from", "sender_mismatch")
    } == {
        "id": request.pk,
        "answer": "confirmed",
        "answer_channel": "mail",
        "reply_from": DIRECTORY_EMAIL,
        "sender_mismatch": False,
    }
    evidence = Evidence.objects.get(kind="supervisor_reply")
    assert (evidence.original_name, evidence.content_type) == ("reply.eml", "message/rfc822")


ATTACKER = "yamada.naoki@freemail.example.com"
NOT_COUNTED_WARNING = (
    f"返信メールの差出人（監督 員 <{ATTACKER}>）は名簿のアドレス（{DIRECTORY_EMAIL}）ではないため、"
    "確認にも否認にも数えません。監督員に確認用リンクから回答してもらうか、名簿のアドレスへ確認メールを"
    "再送してください。"
)


def test_a_confirming_reply_from_an_attacker_with_a_positive_call_leaves_it_unregistrable(client, desk):
    # given: an application awaiting its supervisor's confirmation
    desk_user, headers = desk
    supervisor = directory_supervisor()
    application = awaiting(desk_user=desk_user, supervisor=supervisor)
    request = ConfirmationRequest.objects.get(application=application)
    deliver()

    # when: a "confirmed" reply from the attacker's address, a positive call, then registration
    replied = client.post(
        url(application, f"confirmation-requests/{request.pk}/reply"),
        {"file": eml_upload(sender=ATTACKER), "answer": "confirmed"},
        **headers,
    )
    called = client.post(
        url(application, "calls"),
        {"supervisor_id": supervisor.pk, "outcome": "confirmed", "note": "本人と確認"},
        content_type="application/json",
        **headers,
    )
    before_register = api_state()
    registered = client.post(url(application, "register"), {}, content_type="application/json", **headers)

    # then: the reply is kept and shown but counts for nothing; no project, no account, no mail
    assert replied.status_code == 200
    body = replied.json()
    assert (body["counted"], body["warning"], body["application"]["status"]) == (
        False,
        NOT_COUNTED_WARNING,
        "awaiting_confirmation",
    )
    assert (body["request"]["id"], body["request"]["is_open"], body["request"]["answer"]) == (
        request.pk,
        True,
        "",
    )
    unlisted = body["unlisted_reply"]
    assert {k: unlisted[k] for k in ("request_id", "sender", "stated_answer", "warning")} == {
        "request_id": request.pk,
        "sender": f"監督 員 <{ATTACKER}>",
        "stated_answer": "confirmed",
        "warning": NOT_COUNTED_WARNING,
    }
    assert Evidence.objects.filter(kind="supervisor_reply").count() == 1
    assert (called.status_code, called.json()["application"]["status"]) == (201, "awaiting_confirmation")
    assert registered.status_code == 409
    assert api_state() == before_register
    assert Project.objects.count() == 0
    overview = client.get(url(application, "confirmation"), **headers).json()
    assert [r["sender"] for r in overview["unlisted_replies"]] == [f"監督 員 <{ATTACKER}>"]
    assert overview["positive_answer"] is False


@pytest.mark.parametrize(
    "sender",
    [
        "ｙａｍａｄａ．ｎ＠ｏｆｆｉｃｅ．ｅｘａｍｐｌｅ．ｐｒｅｆ－ｎｉｉｇａｔａ．ｊｐ",
        "YAMADA.N@OFFICE.EXAMPLE.PREF-NIIGATA.JP",
        "\u3000 yamada.n@office.example.pref-niigata.jp \u3000",
    ],
    ids=["full-width", "upper-case", "spaces"],
)
def test_a_reply_from_the_directory_address_counts_however_it_is_typed(client, desk, sender):
    from tests.verification.helpers import raw_reply_eml

    desk_user, headers = desk
    application = awaiting(desk_user=desk_user)
    request = ConfirmationRequest.objects.get(application=application)

    response = client.post(
        url(application, f"confirmation-requests/{request.pk}/reply"),
        {"file": eml_upload(sender="", content=raw_reply_eml(f"監督 員 <{sender}>")), "answer": "confirmed"},
        **headers,
    )

    body = response.json()
    assert (response.status_code, body["counted"], body["request"]["answer"]) == (200, True, "confirmed")
    assert body["request"]["is_open"] is False


@pytest.mark.parametrize(
    ("fields", "expected_errors"),
    [
        (
            {"answer": "confirmed", "from_address": DIRECTORY_EMAIL},
            [{"field": "from_address", "label": "", "message": EXTRA_KEY % "from_address"}],
        ),
        (
            {"answer": "confirmed", "sent_to": "attacker@evil.example.com"},
            [{"field": "sent_to", "label": "", "message": EXTRA_KEY % "sent_to"}],
        ),
        (
            {"answer": "denied", "reason": "  "},
            [
                {
                    "field": "reason",
                    "label": "返信の内容（理由）",
                    "message": "否認の場合は、理由を入力してください。",
                }
            ],
        ),
        (
            {"answer": "maybe"},
            [
                {
                    "field": "answer",
                    "label": "",
                    "message": "「answer」は次のいずれかにしてください: 'confirmed' or 'denied'",
                }
            ],
        ),
    ],
    ids=["crafted-sender", "crafted-address", "denial-without-reason", "unknown-answer"],
)
def test_a_refused_reply_changes_nothing(client, desk, fields, expected_errors):
    desk_user, headers = desk
    application = awaiting(desk_user=desk_user)
    request = ConfirmationRequest.objects.get(application=application)
    before = api_state()

    response = client.post(
        url(application, f"confirmation-requests/{request.pk}/reply"),
        {"file": eml_upload(sender=DIRECTORY_EMAIL), **fields},
        **headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"] == expected_errors
    assert api_state() == before


def test_a_file_that_is_not_a_mail_is_refused(client, desk):
    desk_user, headers = desk
    application = awaiting(desk_user=desk_user)
    request = ConfirmationRequest.objects.get(application=application)
    before = api_state()

    response = client.post(
        url(application, f"confirmation-requests/{request.pk}/reply"),
        {"file": eml_upload(sender="", content=b"\x00\x01 not a mail"), "answer": "confirmed"},
        **headers,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "upload_refused"
    assert api_state() == before


def test_a_reply_to_a_request_of_another_application_is_404(client, desk):
    desk_user, headers = desk
    application = awaiting(desk_user=desk_user)
    other = awaiting(desk_user=desk_user, supervisor=SupervisorFactory())
    others_request = ConfirmationRequest.objects.get(application=other)
    before = api_state()

    response = client.post(
        url(application, f"confirmation-requests/{others_request.pk}/reply"),
        {"file": eml_upload(sender=DIRECTORY_EMAIL), "answer": "confirmed"},
        **headers,
    )

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "確認依頼が見つかりません。", "errors": []}
    assert api_state() == before
