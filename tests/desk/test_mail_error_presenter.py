"""The failed-mail list explains the recorded error in Japanese and keeps the raw text."""

from __future__ import annotations

import pytest

from calsreg.desk.mail.presenters import MailErrorShown, mail_error_explained


@pytest.mark.parametrize(
    ("raw", "summary"),
    [
        (
            "SMTPRecipientsRefused: {'taro@example.jp': (550, b'5.1.1 <taro@example.jp>: user unknown')}",
            "宛先のメールサーバーが受け取りを拒否しました（550）",
        ),
        ("SMTPRecipientsRefused: {}", "宛先のメールサーバーが受け取りを拒否しました"),
        (
            "SMTPSenderRefused: (553, b'sender rejected', 'noreply@example.jp')",
            "メールサーバーが差出人のアドレスを拒否しました（553）",
        ),
        (
            "SMTPDataError: (451, b'4.3.0 busy, try later')",
            "メールサーバーが一時的に受け取れませんでした（451）。時間をおいて再送してください",
        ),
        (
            "SMTPDataError: (554, b'5.7.1 message rejected')",
            "メールサーバーがこのメールを拒否しました（554）",
        ),
        ("ConnectionRefusedError: [Errno 111] Connection refused", "メールサーバーに接続できません"),
        ("SMTPServerDisconnected: Connection unexpectedly closed", "メールサーバーに接続できません"),
        ("gaierror: [Errno -2] Name or service not known", "メールサーバーに接続できません"),
        ("TimeoutError: timed out", "メールサーバーが時間内に応答しませんでした"),
        (
            "SMTPAuthenticationError: (535, b'5.7.8 bad credentials')",
            "メールサーバーへのログインに失敗しました（送信の設定を確認してください）",
        ),
        (
            "RuntimeError: the mail backend accepted no message",
            "送信できませんでした（詳しくは下の記録を見てください）",
        ),
    ],
)
def test_a_recorded_error_is_explained_in_japanese_and_kept_raw(raw, summary):
    assert mail_error_explained(raw) == MailErrorShown(summary=summary, raw=raw)


def test_a_port_number_or_errno_in_the_text_is_not_taken_for_an_smtp_code():
    shown = mail_error_explained("RuntimeError: could not reach port 587")

    assert shown is not None and shown.summary == "送信できませんでした（詳しくは下の記録を見てください）"


@pytest.mark.parametrize("raw", ["", "   "])
def test_no_error_gives_nothing_to_show(raw):
    assert mail_error_explained(raw) is None
