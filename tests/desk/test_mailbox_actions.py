"""The desk's actions on a received mail, through the real views: attach to an application, file as
a new application, record as the supervisor's reply, mark handled, back to triage — and every refusal
changes nothing (message, application, request, evidence, audit rows, mail)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from calsreg.accounts.models import Role
from calsreg.applications.models import Application, Channel
from calsreg.applications.states import Status
from calsreg.mailbox.models import MailboxMessage, MessageState, TriageReason
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from calsreg.records.selectors import evidence_for
from calsreg.records.services import Actor
from calsreg.verification.models import Answer, ConfirmationRequest, UnlistedSenderReply
from tests.desk.helpers import filled_workbook, mail_with, submit_application
from tests.factories import OfficeFactory, SupervisorFactory
from tests.mailbox.factories import kept_message, plain_mail
from tests.mailbox.helpers import messages_of, state, url
from tests.verification.helpers import awaiting_application, reply_eml, signed_in_as

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 10, tzinfo=dt.timezone(dt.timedelta(hours=9)))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desk(desk_user) -> Actor:
    return Actor.staff(desk_user)


# --- attach to an application ------------------------------------------------------------------


def test_attaching_keeps_the_mail_on_the_application_and_takes_it_off_the_list(desk_client, desk_user):
    # given a question about an application, on the triage list
    application = submit_application()
    message = kept_message(plain_mail(), recognised={"receipt_number": application.receipt_number})
    kept_before = evidence_for(subject=application).count()

    # when the desk confirms attaching it by receipt number
    preview = desk_client.post(url("attach", message), {"receipt_number": application.receipt_number})
    done = desk_client.post(
        url("attach", message), {"receipt_number": application.receipt_number, "confirmed": "on"}
    )

    # then the confirmation named the application, and the mail is now its evidence, byte for byte
    assert preview.status_code == 200
    assert application.project_name in preview.content.decode()
    assert done.status_code == 302
    assert done["Location"] == f"/desk/applications/{application.pk}/"
    kept = evidence_for(subject=application).filter(kind=EvidenceKind.RECEIVED_MAIL).get()
    assert kept.sha256 == message.sha256
    assert kept.note == f"mailbox_message:{message.pk}"
    assert evidence_for(subject=application).count() == kept_before + 1
    message.refresh_from_db()
    assert (message.state, message.result_type, message.result_id) == (
        MessageState.HANDLED,
        "application",
        application.pk,
    )
    assert message.handled_by == desk_user
    assert message.handled_at == NOW
    assert list(
        AuditEvent.objects.filter(subject_type="mailboxmessage", subject_id=message.pk).values_list(
            "action", flat=True
        )
    ) == ["mailbox_message.attached"]
    assert (
        AuditEvent.objects.filter(action="application.mail_attached", subject_id=application.pk).count() == 1
    )
    # and the application's page lists it
    page = desk_client.get(f"/desk/applications/{application.pk}/").content.decode()
    assert kept.original_name in page
    assert "受信メール" in page


def test_a_full_width_receipt_number_is_read(desk_client):
    application = submit_application()
    message = kept_message(plain_mail())
    typed = application.receipt_number.translate(str.maketrans("0123456789-A", "０１２３４５６７８９－Ａ"))

    desk_client.post(url("attach", message), {"receipt_number": typed.lower(), "confirmed": "on"})

    message.refresh_from_db()
    assert (message.state, message.result_id) == (MessageState.HANDLED, application.pk)


def test_attaching_to_a_receipt_number_that_does_not_exist_changes_nothing(desk_client):
    submit_application()
    message = kept_message(plain_mail())
    before = state()

    preview = desk_client.post(url("attach", message), {"receipt_number": "A2026-99999"})
    confirmed = desk_client.post(url("attach", message), {"receipt_number": "A2026-99999", "confirmed": "on"})

    for response in (preview, confirmed):
        assert response.status_code == 302
        assert response["Location"] == url("message", message)
        assert messages_of(response)[-1] == "その受付番号の申込はありません。"
    assert state() == before


def test_attaching_twice_attaches_once(desk_client):
    # given a message attached once (a double click sends the confirmed form twice)
    application = submit_application()
    message = kept_message(plain_mail())
    data = {"receipt_number": application.receipt_number, "confirmed": "on"}
    desk_client.post(url("attach", message), data)
    before = state()

    # when the same confirmation arrives again
    again = desk_client.post(url("attach", message), data)

    # then it is refused and nothing more is kept
    assert (
        messages_of(again)[-1] == "このメールは要確認ではありません（対応済み）。ページを開き直してください。"
    )
    assert state() == before


# --- file as a new application -----------------------------------------------------------------


def test_filing_the_workbook_records_a_new_application_from_the_kept_mail(desk_client, desk_user):
    office = OfficeFactory()
    raw = mail_with([("申込書.xlsx", filled_workbook(office=office), XLSX)])
    message = kept_message(raw, triage_reason=TriageReason.WORKBOOK_REFUSED)

    preview = desk_client.post(url("file", message), {})
    done = desk_client.post(url("file", message), {"confirmed": "on"})

    assert preview.status_code == 200
    assert "申込書.xlsx" in preview.content.decode()
    application = Application.objects.get()
    assert done["Location"] == f"/desk/applications/{application.pk}/"
    assert application.channel == Channel.DESK_MAIL
    assert application.status == Status.SUBMITTED
    kinds = sorted(evidence_for(subject=application).values_list("kind", "sha256"))
    assert (EvidenceKind.RECEIVED_MAIL, message.sha256) in kinds
    message.refresh_from_db()
    assert (message.state, message.result_type, message.result_id) == (
        MessageState.HANDLED,
        "application",
        application.pk,
    )
    assert (
        AuditEvent.objects.filter(subject_type="mailboxmessage", action="mailbox_message.filed").count() == 1
    )


def test_a_workbook_with_errors_shows_every_problem_and_records_nothing(desk_client):
    office = OfficeFactory()
    workbook = filled_workbook(office=office, F_applicant_email="not-an-address", F_contractor_phone="")
    message = kept_message(mail_with([("申込書.xlsx", workbook, XLSX)]))
    before = state()

    response = desk_client.post(url("file", message), {"confirmed": "on"})

    assert state() == before
    assert Evidence.objects.count() == before["evidence"]
    shown = messages_of(response)
    assert len(shown) >= 2
    # every problem is on the page the desk is sent back to
    page = desk_client.get(response["Location"]).content.decode()
    assert response["Location"] == url("message", message)
    for text in shown:
        assert text.split(": ", 1)[-1] in page
    assert any("メールアドレス" in text for text in shown)
    assert any("電話番号" in text for text in shown)


def test_a_mail_without_a_workbook_is_refused_and_records_nothing(desk_client):
    message = kept_message(plain_mail())
    before = state()

    response = desk_client.post(url("file", message), {"confirmed": "on"})

    assert messages_of(response)[0].startswith("メールにExcelの申込書（.xlsx）が添付されていません")
    assert state() == before


# --- record as the supervisor's reply ----------------------------------------------------------


def _awaiting(desk: Actor) -> tuple[Application, ConfirmationRequest]:
    supervisor = SupervisorFactory(email="yamada@pref.niigata.example.jp")
    application = awaiting_application(desk=desk, supervisor=supervisor)
    return application, ConfirmationRequest.objects.get(application=application)


def test_an_unclear_reply_recorded_as_confirmed_answers_the_request(desk_client, desk):
    # given an unclear reply from the directory address, on the triage list
    application, request = _awaiting(desk)
    message = kept_message(
        reply_eml(sender="yamada@pref.niigata.example.jp", body="よろしくお願いします。"),
        triage_reason=TriageReason.REPLY_UNCLEAR,
        recognised={"receipt_number": application.receipt_number, "request_id": request.pk},
    )

    # when the desk opens it, finds the request and records it as confirmed
    page = desk_client.get(url("message", message)).content.decode()
    data = {"request": request.pk, "answer": Answer.CONFIRMED, "reason": ""}
    preview = desk_client.post(url("reply", message), data)
    done = desk_client.post(url("reply", message), {**data, "confirmed": "on"})

    # then the request is answered by mail with the kept bytes, and the message is handled
    assert f'name="request" value="{request.pk}" checked' in page
    assert "sender-mismatch" not in preview.content.decode()
    assert done["Location"] == f"/desk/applications/{application.pk}/"
    assert messages_of(done) == ["返信メールを記録しました。"]
    request.refresh_from_db()
    assert (request.answer, request.answer_channel) == (Answer.CONFIRMED, "mail")
    assert request.reply_evidence.sha256 == message.sha256
    message.refresh_from_db()
    assert (message.state, message.result_type, message.result_id) == (
        MessageState.HANDLED,
        "confirmationrequest",
        request.pk,
    )


def test_a_reply_from_another_sender_is_kept_but_confirms_nothing(desk_client, desk):
    application, request = _awaiting(desk)
    message = kept_message(
        reply_eml(sender="someone@elsewhere.example.com"), triage_reason=TriageReason.REPLY_UNCLEAR
    )
    data = {"request": request.pk, "answer": Answer.CONFIRMED, "reason": ""}

    preview = desk_client.post(url("reply", message), data)
    done = desk_client.post(url("reply", message), {**data, "confirmed": "on"})

    assert "sender-mismatch" in preview.content.decode()
    assert messages_of(done)[0] == "返信メールを証跡として保存しました（回答には数えていません）。"
    assert "名簿のアドレス" in messages_of(done)[1]
    request.refresh_from_db()
    assert request.is_open
    application.refresh_from_db()
    assert application.status == Status.AWAITING_CONFIRMATION
    unlisted = UnlistedSenderReply.objects.get()
    message.refresh_from_db()
    assert (message.state, message.result_type, message.result_id) == (
        MessageState.HANDLED,
        "unlistedsenderreply",
        unlisted.pk,
    )


def test_a_reply_from_the_old_address_after_the_directory_changed_is_warned_of_and_confirms_nothing(
    desk_client, desk
):
    # given a reply from the address the request went to, but the directory's address changed since
    application, request = _awaiting(desk)
    request.supervisor.email = "yamada.new@pref.niigata.example.jp"
    request.supervisor.save(update_fields=["email"])
    message = kept_message(
        reply_eml(sender="yamada@pref.niigata.example.jp"), triage_reason=TriageReason.REPLY_UNCLEAR
    )
    data = {"request": request.pk, "answer": Answer.CONFIRMED, "reason": ""}

    # when the desk previews, then confirms
    preview = desk_client.post(url("reply", message), data)
    desk_client.post(url("reply", message), {**data, "confirmed": "on"})

    # then the preview warned exactly as the recording decided: nothing confirmed
    assert "sender-mismatch" in preview.content.decode()
    request.refresh_from_db()
    assert (request.is_open, request.answer) == (True, "")
    application.refresh_from_db()
    assert application.status == Status.AWAITING_CONFIRMATION
    assert UnlistedSenderReply.objects.filter(request=request).count() == 1


def test_a_reply_to_a_request_no_longer_open_changes_nothing(desk_client, desk):
    _application, request = _awaiting(desk)
    ConfirmationRequest.objects.filter(pk=request.pk).update(superseded_at=NOW)
    message = kept_message(
        reply_eml(sender="yamada@pref.niigata.example.jp"), triage_reason=TriageReason.REPLY_NOT_OPEN
    )
    before = state()

    response = desk_client.post(
        url("reply", message), {"request": request.pk, "answer": Answer.CONFIRMED, "confirmed": "on"}
    )

    assert messages_of(response) == [
        "この確認依頼は回答済みか再送により無効です。または申込が確認待ちではありません。"
    ]
    assert state() == before


def test_a_reply_naming_a_request_that_does_not_exist_changes_nothing(desk_client, desk):
    _awaiting(desk)
    message = kept_message(reply_eml(sender="yamada@pref.niigata.example.jp"))
    before = state()

    response = desk_client.post(
        url("reply", message), {"request": 999999, "answer": Answer.DENIED, "reason": "x", "confirmed": "on"}
    )

    assert messages_of(response) == ["確認依頼が見つかりません。候補を選び直してください。"]
    assert state() == before


def test_a_denial_without_a_reason_is_refused_and_changes_nothing(desk_client, desk):
    _application, request = _awaiting(desk)
    message = kept_message(reply_eml(sender="yamada@pref.niigata.example.jp"))
    before = state()

    response = desk_client.post(
        url("reply", message),
        {"request": request.pk, "answer": Answer.DENIED, "reason": "", "confirmed": "on"},
    )

    assert len(messages_of(response)) == 1
    assert state() == before


# --- mark handled, back to triage --------------------------------------------------------------


def test_marking_handled_needs_a_note_and_drops_the_nav_count(desk_client, desk_user):
    message = kept_message(plain_mail())
    assert 'nav-count">1<' in desk_client.get("/desk/mailbox/").content.decode()
    before = state()

    refused = desk_client.post(url("handled", message), {"note": "  "})
    assert messages_of(refused) == ["対応内容のメモ: 対応内容のメモを入力してください。"]
    assert state() == before

    done = desk_client.post(url("handled", message), {"note": "電話で回答済み"})

    assert done["Location"] == "/desk/mailbox/"
    message.refresh_from_db()
    assert (message.state, message.handled_by, message.result_type) == (MessageState.HANDLED, desk_user, "")
    listing = desk_client.get("/desk/mailbox/").content.decode()
    assert "要確認のメールはありません。" in listing
    assert 'nav-count">1<' not in listing
    event = AuditEvent.objects.get(action="mailbox_message.handled")
    assert event.summary_display == "対応済みにしました: 電話で回答済み"


def test_back_to_triage_puts_a_handled_message_on_the_list_again(desk_client):
    message = kept_message(plain_mail())
    desk_client.post(url("handled", message), {"note": "誤って対応済みにした"})

    desk_client.post(url("reopen", message), {"note": "別の申込の問い合わせだった"})

    message.refresh_from_db()
    assert (message.state, message.handled_at, message.handled_by) == (MessageState.TRIAGE, None, None)
    assert message.subject_line in desk_client.get("/desk/mailbox/").content.decode()
    assert AuditEvent.objects.filter(action="mailbox_message.reopened").count() == 1


def test_back_to_triage_of_a_message_not_handled_changes_nothing(desk_client):
    message = kept_message(plain_mail())
    before = state()

    response = desk_client.post(url("reopen", message), {"note": "x"})

    assert messages_of(response) == ["対応済みのメールだけを差し戻せます。ページを開き直してください。"]
    assert state() == before


@pytest.mark.parametrize("name", ["attach", "file", "reply", "handled"])
def test_an_action_on_a_message_already_handled_changes_nothing(desk_client, desk, name):
    application, request = _awaiting(desk)
    message = kept_message(plain_mail(), state=MessageState.HANDLED)
    before = state()
    data = {
        "attach": {"receipt_number": application.receipt_number},
        "file": {},
        "reply": {"request": request.pk, "answer": Answer.CONFIRMED},
        "handled": {"note": "済み"},
    }[name]

    response = desk_client.post(url(name, message), {**data, "confirmed": "on"})

    assert response.status_code == 302
    assert messages_of(response) == [
        "このメールは要確認ではありません（対応済み）。ページを開き直してください。"
    ]
    assert state() == before


@pytest.mark.parametrize(
    "state_name", [MessageState.PROCESSED, MessageState.RECEIVED, MessageState.DUPLICATE]
)
def test_a_message_the_system_processed_cannot_be_handled_again(desk_client, state_name):
    message = kept_message(plain_mail(), state=state_name)
    before = state()

    desk_client.post(url("handled", message), {"note": "済み"})

    assert state() == before


@pytest.mark.parametrize("name", ["attach", "file", "reply", "handled", "reopen", "message", "eml"])
def test_a_tampered_message_id_is_404_and_changes_nothing(desk_client, name):
    kept_message(plain_mail())
    before = state()

    response = (desk_client.get if name in {"message", "eml"} else desk_client.post)(
        f"/desk/mailbox/999999/{'' if name == 'message' else name + '/'}", {"note": "x", "confirmed": "on"}
    )

    assert response.status_code == 404
    assert state() == before


@pytest.mark.parametrize(
    "role, status",
    [(None, 302), (Role.CONTRACTOR, 403), (Role.SUPERVISOR, 403), (Role.BILLING_AGENT, 403)],
)
@pytest.mark.parametrize("name", ["attach", "file", "reply", "handled", "reopen"])
def test_only_the_help_desk_may_act(client, desk, role, status, name):
    application, request = _awaiting(desk)
    message = kept_message(plain_mail())
    signed_in_as(client, role)
    before = state()

    response = client.post(
        url(name, message),
        {
            "receipt_number": application.receipt_number,
            "request": request.pk,
            "answer": Answer.CONFIRMED,
            "note": "x",
            "confirmed": "on",
        },
    )

    assert response.status_code == status
    if role is None:
        assert response["Location"].startswith("/desk/login/")
    assert state() == before
    assert len(mail.outbox) == before["outbox"]


def test_get_on_an_action_is_refused(desk_client):
    message = kept_message(plain_mail())

    assert desk_client.get(url("handled", message)).status_code == 405
    assert MailboxMessage.objects.get().state == MessageState.TRIAGE
