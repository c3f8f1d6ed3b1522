"""The whole path through the real worker (db_worker) to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from calsreg.notifications.models import Delivery, DeliveryStatus
from tests.notifications.factories import APPLICANT_EMAIL, enqueue_received, subject_factory

T0 = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)  # 09:05 in Japan

EXPECTED_SUBJECT_JA = "【新潟県CALSシステム】利用申込を受け付けました（受付番号：R2026-000123）"
EXPECTED_BODY_JA = """\
株式会社越後建設
田中 一郎 様

新潟県CALSシステム ヘルプデスクです。
このたびは新潟県CALSシステムの利用をお申し込みいただき、誠にありがとうございます。
下記のとおり利用申込を受け付けましたので、お知らせいたします。

■ 受付番号　：R2026-000123
■ 受付日時　：2026年11月24日(火) 09:05
■ 工事名　　：一般国道8号 舗装補修工事
■ 発注事務所：新潟地域振興局 地域整備部
■ 受注者　　：株式会社越後建設
■ 申込者　　：田中 一郎 様

お申込み内容のうち、次の項目は入力形式を自動で修正して受け付けました。
内容に誤りがございましたら、お手数ですがヘルプデスクまでご連絡ください。
・利用者1のIDを半角に修正しました（ｔａｎａｋａ → tanaka）

今後の流れ
1. ヘルプデスクから発注者の監督員様へ、お申込み内容の確認を行います。
2. 確認が取れましたら利用者登録を行い、ID・パスワードをメールでお知らせします。
3. 利用開始の準備が整いましたら、利用開始のお知らせをお送りします。

お申込みの処理状況は、受付番号を入力して次のページからご確認いただけます。
http://127.0.0.1:8000/status/

お問い合わせの際は、受付番号をお知らせください。

※このメールはシステムから自動で送信しています。
※このメールにお心当たりのない場合は、お手数ですが下記ヘルプデスクまでご連絡ください。

──────────────────────────────
新潟県CALSシステム ヘルプデスク
メール：helpdesk@calsreg.example.jp
受付時間：平日9:00〜17:00（12:00〜13:00を除く）
（土曜・日曜・祝日・年末年始12/29〜1/3は休業）
──────────────────────────────
"""


def raw_header(raw: bytes, name: str) -> str:
    """The header as it travelled, unfolded but not decoded."""
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    lines: list[str] = []
    for line in head.decode("ascii").split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += line
        else:
            lines.append(line)
    prefix = f"{name.lower()}:"
    return next(line[len(prefix) :].strip() for line in lines if line.lower().startswith(prefix))


@pytest.mark.django_db(transaction=True)
def test_application_received_arrives_with_decoded_japanese_subject_and_body(
    smtp_server, run_tasks, time_machine
):
    # given
    time_machine.move_to(T0, tick=False)
    with transaction.atomic():
        delivery = enqueue_received()

    # when
    ran = run_tasks()

    # then
    assert ran == 1
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert smtp_server.subjects == [EXPECTED_SUBJECT_JA]
    assert message["From"] == "新潟県CALSヘルプデスク <helpdesk@calsreg.example.jp>"
    assert message["To"] == APPLICANT_EMAIL
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Calsreg-Delivery"] == str(delivery.pk)
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == EXPECTED_BODY_JA
    envelope = smtp_server.envelopes[0]
    assert envelope.mail_from == "helpdesk@calsreg.example.jp"
    assert envelope.rcpt_tos == [APPLICANT_EMAIL]
    # The subject travelled as RFC 2047 base64 words (ASCII only) that decode to the Japanese text.
    encoded_subject = raw_header(envelope.content, "Subject")
    assert encoded_subject.startswith("=?utf-8?b?")
    assert encoded_subject.isascii()
    assert str(make_header(decode_header(encoded_subject))) == EXPECTED_SUBJECT_JA
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert delivery.sent_at == T0
    assert delivery.next_attempt_at is None
    assert delivery.last_error == ""
    assert delivery.message_id == message["Message-ID"]
    assert delivery.message_id.endswith("@calsreg.example.jp>")


@pytest.mark.django_db(transaction=True)
def test_enqueue_in_rolled_back_transaction_sends_nothing(smtp_server, run_tasks):
    # given
    subject = subject_factory()

    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_received(subject=subject)
        raise RuntimeError("the business change failed")

    # then
    assert run_tasks() == 0
    assert smtp_server.messages == []
    assert Delivery.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_same_idempotency_key_twice_gives_one_delivery_and_one_mail(smtp_server, run_tasks):
    # given
    subject = subject_factory()
    with transaction.atomic():
        first = enqueue_received(subject=subject, key="application_received:7")

    # when
    with transaction.atomic():
        second = enqueue_received(subject=subject, key="application_received:7", applicant_name="別人")
    ran = run_tasks()

    # then
    assert second.pk == first.pk
    assert second.context["applicant_name"] == "田中 一郎"
    assert Delivery.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    assert ran == 1
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_temporary_smtp_failure_is_retried_after_backoff_then_sent(
    smtp_server, run_tasks, time_machine, settings
):
    # given
    settings.MAIL_RETRY_BASE_SECONDS = 60
    time_machine.move_to(T0, tick=False)
    with transaction.atomic():
        delivery = enqueue_received()
    smtp_server.refuse_next(reply="451 4.3.0 Mailbox temporarily unavailable")

    # when the first attempt meets a 451
    assert run_tasks() == 1

    # then a retry is planned one base delay later, and nothing arrived
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.next_attempt_at == T0 + timedelta(seconds=60)
    assert delivery.last_error == "SMTPDataError: (451, b'4.3.0 Mailbox temporarily unavailable')"
    assert smtp_server.messages == []
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after == T0 + timedelta(seconds=60)

    # and the retry does not run early
    time_machine.move_to(T0 + timedelta(seconds=59), tick=False)
    assert run_tasks() == 0

    # when it is due
    time_machine.move_to(T0 + timedelta(seconds=60), tick=False)
    assert run_tasks() == 1

    # then
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert delivery.sent_at == T0 + timedelta(seconds=60)
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"] == delivery.message_id


@pytest.mark.django_db(transaction=True)
def test_delivery_fails_for_good_at_the_end_of_its_retry_budget(
    smtp_server, run_tasks, time_machine, settings
):
    # given a budget of 3 minutes
    settings.MAIL_RETRY_HOURS = 180 / 3600
    settings.MAIL_RETRY_BASE_SECONDS = 60
    time_machine.move_to(T0, tick=False)
    with transaction.atomic():
        delivery = enqueue_received()
    smtp_server.refuse_next(reply="451 4.3.0 Try again later", times=3)

    # when: attempt 1 at T0, attempt 2 at +60 s, attempt 3 at +60+120 s = the end of the budget
    planned = []
    for moment in (T0, T0 + timedelta(seconds=60), T0 + timedelta(seconds=180)):
        time_machine.move_to(moment, tick=False)
        assert run_tasks() == 1
        delivery.refresh_from_db()
        planned.append((delivery.status, delivery.attempts, delivery.next_attempt_at))

    # then
    assert planned == [
        (DeliveryStatus.PENDING, 1, T0 + timedelta(seconds=60)),
        (DeliveryStatus.PENDING, 2, T0 + timedelta(seconds=180)),
        (DeliveryStatus.FAILED, 3, None),
    ]
    assert delivery.last_error == "SMTPDataError: (451, b'4.3.0 Try again later')"
    assert delivery.sent_at is None
    time_machine.move_to(T0 + timedelta(days=1), tick=False)
    assert run_tasks() == 0
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_recipient_refused_with_5xx_fails_without_retry(smtp_server, run_tasks):
    # given
    with transaction.atomic():
        delivery = enqueue_received()
    smtp_server.refuse_next(reply="550 5.1.1 No such user", at="RCPT")

    # when
    assert run_tasks() == 1

    # then
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("SMTPRecipientsRefused: ")
    assert "550" in delivery.last_error
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_english_mail_is_rendered_in_english(smtp_server, run_tasks, time_machine):
    # given
    time_machine.move_to(T0, tick=False)
    with transaction.atomic():
        enqueue_received(language="en", notices=[])

    # when
    run_tasks()

    # then
    message = smtp_server.messages[0]
    assert smtp_server.subjects == [
        "[Niigata CALS System] Your application has been received (receipt number R2026-000123)"
    ]
    body = message.get_content()
    assert body.startswith("田中 一郎\n株式会社越後建設\n\nThis is the Niigata CALS System help desk.\n")
    assert "- Received at:    24 Nov 2026 09:05 (Japan time)\n" in body
    assert "We corrected the format" not in body  # no notices, no notices section
    assert "http://127.0.0.1:8000/status/\n" in body
    assert body.endswith(
        "Hours: weekdays 9:00-17:00 Japan time (closed 12:00-13:00,\n"
        "weekends, national holidays and 29 December - 3 January)\n"
        "------------------------------------------------------------\n"
    )
