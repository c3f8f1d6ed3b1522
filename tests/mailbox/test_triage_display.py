"""How a kept mail is shown: the text part as text, an HTML-only mail sanitised by a strict
allowlist, attachments listed from the bytes, malformed mail never an error."""

from __future__ import annotations

import pytest

from calsreg.mailbox.display import LINK_REL, html_sanitised, message_shown
from tests.desk.helpers import mail_with
from tests.mailbox.factories import html_only_mail, plain_mail


@pytest.mark.parametrize(
    "hostile, kept",
    [
        ("<p>本文<script>alert(1)</script></p>", "<p>本文</p>"),
        ("<style>p{display:none}</style><p>本文</p>", "<p>本文</p>"),
        ('<img src="http://tracker.example.com/o.gif" onerror="alert(1)">本文', "本文"),
        ('<p onclick="alert(1)" style="color:red" class="x">本文</p>', "<p>本文</p>"),
        ('<a href="javascript:alert(1)">本文</a>', f'<a rel="{LINK_REL}">本文</a>'),
        ('<a href="data:text/html,x">本文</a>', f'<a rel="{LINK_REL}">本文</a>'),
        (
            '<a href="https://example.com/" target="_blank">本文</a>',
            f'<a href="https://example.com/" rel="{LINK_REL}">本文</a>',
        ),
        ('<iframe src="https://evil.example.com/">中</iframe>本文', "本文"),
        ('<form action="https://evil.example.com/"><input name="p"><button>送信</button></form>', "送信"),
        ("<object data=x>中</object><embed src=x>本文", "本文"),
        ("<!-- 隠し --><b>本文</b>", "<b>本文</b>"),
    ],
)
def test_hostile_html_is_reduced_to_the_allowlist(hostile, kept):
    assert html_sanitised(hostile) == kept


def test_a_text_part_is_preferred_and_shown_as_text():
    shown = message_shown(raw=plain_mail(body="<b>太字ではない</b>"))

    assert shown.body_text == "<b>太字ではない</b>\n"
    assert shown.body_html == ""
    assert shown.from_header == "越後 花子 <hanako@echigo-kensetsu.example.jp>"
    assert shown.message_id == "<question-1@echigo-kensetsu.example.jp>"
    assert shown.date.isoformat() == "2026-11-24T09:05:00+09:00"


def test_an_html_only_mail_is_sanitised():
    shown = message_shown(raw=html_only_mail("<p>ご確認<script>x()</script></p>"))

    assert (shown.body_text, shown.body_html) == ("", "<p>ご確認</p>")


def test_attachments_are_listed_with_type_and_size():
    shown = message_shown(
        raw=mail_with(
            [("申込書.xlsx", b"12345", "application/octet-stream"), ("図.png", b"\x89PNG", "image/png")]
        )
    )

    assert [(a.name, a.content_type, a.size_bytes) for a in shown.attachments] == [
        ("申込書.xlsx", "application/octet-stream", 5),
        ("図.png", "image/png", 4),
    ]


@pytest.mark.parametrize(
    "raw", [None, b"", b"\xff\xfe not a mail", b"From: \x80\x81\r\nSubject: =?bogus?x?y?=\r\n\r\nbody"]
)
def test_broken_bytes_are_shown_not_raised(raw):
    shown = message_shown(raw=raw)

    assert shown.readable in (True, False)
    assert "<script" not in shown.body_html
