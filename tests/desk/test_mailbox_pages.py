"""The desk's received-mail pages: the triage list and the log (filters, paging by key, query counts,
links to results), one message's page (headers, body, attachments, history, audited view), the kept
.eml download, hostile HTML never rendered, roles and English."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from calsreg.accounts.models import Role
from calsreg.mailbox.config import mailboxes_parse
from calsreg.mailbox.models import MessageKind, MessageState, TriageReason
from calsreg.records.models import AuditEvent
from tests.desk.helpers import submit_application
from tests.desk.keyset_helpers import walk
from tests.mailbox.factories import ARRIVED, html_only_mail, kept_message, plain_mail
from tests.mailbox.helpers import url
from tests.verification.helpers import signed_in_as

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 10, tzinfo=dt.timezone(dt.timedelta(hours=9)))
HOSTILE = (
    "<html><head><style>body{display:none}</style><script>alert('head')</script></head><body>"
    "<p>ご確認ください<script>alert(1)</script></p>"
    '<img src="http://tracker.example.com/open.gif" onerror="alert(2)">'
    '<a href="javascript:alert(3)">ここをクリック</a>'
    '<a href="data:text/html;base64,PHNjcmlwdD4=">データ</a>'
    '<a href="https://example.com/info" onclick="alert(4)">案内ページ</a>'
    '<iframe src="https://evil.example.com/"></iframe>'
    '<form action="https://evil.example.com/steal"><input name="password"></form>'
    '<div style="position:fixed">固定</div>'
    "</body></html>"
)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _subjects(response) -> list[str]:
    return re.findall(r">(件名\d{3})<", response.content.decode())


def test_the_triage_list_shows_each_mail_in_one_row_newest_first(desk_client):
    application = submit_application()
    kept_message(plain_mail(subject="件名001"), arrived_at=ARRIVED)
    kept_message(
        plain_mail(subject="件名002"),
        arrived_at=ARRIVED + dt.timedelta(hours=1),
        triage_reason=TriageReason.SEVERAL_WORKBOOKS,
        recognised={
            "receipt_number": application.receipt_number,
            "attachments": ["a.xlsx", {"name": "b.xlsx"}],
        },
    )
    kept_message(plain_mail(subject="件名003"), state=MessageState.PROCESSED, kind=MessageKind.APPLICATION)

    response = desk_client.get("/desk/mailbox/")
    page = response.content.decode()

    assert _subjects(response) == ["件名002", "件名001"]
    assert "2026年11月24日(火) 10:05" in page
    assert "Excelファイルが複数添付されている" in page
    assert f"受付番号 {application.receipt_number}／添付: a.xlsx、b.xlsx" in page
    assert "全2件（このページは2件）" in page
    assert 'nav-count">2<' in page


def test_the_triage_list_filters_by_reason_mailbox_and_text(desk_client, settings):
    settings.MAILBOXES = mailboxes_parse(
        {
            "CALSREG_MAILBOXES": "reception,replies",
            "CALSREG_MAILBOX_RECEPTION_URL": "maildir:///srv/mail/reception",
            "CALSREG_MAILBOX_REPLIES_URL": "maildir:///srv/mail/replies",
        }
    ).mailboxes
    kept_message(plain_mail(subject="件名001", sender="a@one.example.jp"), mailbox="reception")
    kept_message(plain_mail(subject="件名002"), mailbox="replies", triage_reason=TriageReason.REPLY_UNCLEAR)
    kept_message(
        plain_mail(subject="件名003", sender="b@two.example.jp"), triage_reason=TriageReason.AUTO_REPLY
    )

    assert _subjects(desk_client.get("/desk/mailbox/?reason=reply_unclear")) == ["件名002"]
    assert _subjects(desk_client.get("/desk/mailbox/?mailbox=replies")) == ["件名002"]
    assert _subjects(desk_client.get("/desk/mailbox/?q=TWO.example")) == ["件名003"]
    assert _subjects(desk_client.get("/desk/mailbox/?q=件名001")) == ["件名001"]
    # a value that is not a choice is no filter, and says so
    unknown = desk_client.get("/desk/mailbox/?reason=nonsense")
    assert len(_subjects(unknown)) == 3
    assert "使わずに表示しました" in unknown.content.decode()


def test_the_triage_list_pages_by_key_both_ways(desk_client, monkeypatch):
    monkeypatch.setattr("calsreg.desk.mailbox.views.PAGE_SIZE", 2)
    for i in range(5):
        # two share each arrival time: the id orders them
        kept_message(plain_mail(subject=f"件名{i:03d}"), arrived_at=ARRIVED + dt.timedelta(hours=i // 2))

    forward, backward = walk(desk_client, "/desk/mailbox/", _subjects)

    assert forward == backward == ["件名004", "件名003", "件名002", "件名001", "件名000"]


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(
    "path, queries", [("/desk/mailbox/", 6), ("/desk/mailbox/?page=last", 6), ("/desk/mailbox/all/", 7)]
)
def test_the_lists_cost_the_same_queries_for_3_or_30_mails(
    desk_client, django_assert_num_queries, count, path, queries
):
    application = submit_application()
    for i in range(count):
        message = kept_message(
            plain_mail(subject=f"件名{i:03d}"), arrived_at=ARRIVED + dt.timedelta(minutes=i)
        )
        if i % 3 == 0:
            message.state, message.result_type, message.result_id = (
                MessageState.HANDLED,
                "application",
                application.pk,
            )
            message.save()

    # session, user, the page, its count, the menu's counts (one query for both badges), staff notices;
    # the log also reads the receipt numbers of the results it links (one query for the page)
    with django_assert_num_queries(queries):
        response = desk_client.get(path)

    assert response.status_code == 200


def test_the_log_links_a_processed_mail_to_its_application(desk_client):
    application = submit_application()
    kept_message(
        plain_mail(subject="件名001"),
        state=MessageState.PROCESSED,
        kind=MessageKind.APPLICATION,
        result_type="application",
        result_id=application.pk,
    )
    kept_message(plain_mail(subject="件名002"))

    everything = desk_client.get("/desk/mailbox/all/")
    processed = desk_client.get("/desk/mailbox/all/?state=processed&kind=application")

    assert _subjects(everything) == ["件名002", "件名001"]
    assert _subjects(processed) == ["件名001"]
    assert (
        f'<a href="/desk/applications/{application.pk}/">申込 {application.receipt_number}</a>'
        in processed.content.decode()
    )


def test_one_message_shows_headers_reason_body_attachments_and_history(desk_client, desk_user):
    message = kept_message(
        plain_mail(body="申込の状況を教えてください。\n越後建設 信濃"),
        reason="申込書・変更申込書が添付されていないため、自動では処理しませんでした。",
        recognised={"receipt_number": "A2026-00007"},
    )

    response = desk_client.get(url("message", message))
    page = response.content.decode()

    assert response.status_code == 200
    assert "越後 花子 &lt;hanako@echigo-kensetsu.example.jp&gt;" in page
    assert "uketsuke@calsreg.example.jp" in page
    assert "2026年11月24日(火) 09:05" in page
    assert "&lt;question-1@echigo-kensetsu.example.jp&gt;" in page
    assert "申込書・変更申込書が添付されていないため、自動では処理しませんでした。" in page
    assert "受付番号 A2026-00007" in page
    assert '<pre class="mail mail-body" id="mail-body">申込の状況を教えてください。\n越後建設 信濃' in page
    assert f'href="/desk/mailbox/{message.pk}/eml/"' in page
    viewed = AuditEvent.objects.get(action="mailbox_message.viewed")
    assert (viewed.subject_type, viewed.subject_id, viewed.actor) == ("mailboxmessage", message.pk, desk_user)
    assert "受信メール（個人情報を含む）を閲覧しました。" in page


def test_attachments_are_listed_and_never_opened(desk_client):
    from tests.desk.helpers import mail_with

    raw = mail_with(
        [
            ("申込書.xlsx", b"PK\x03\x04 not really", "application/octet-stream"),
            ("写真.png", b"\x89PNG", "image/png"),
        ]
    )
    message = kept_message(raw)

    page = desk_client.get(url("message", message)).content.decode()

    assert "申込書.xlsx" in page and "写真.png" in page
    assert "<code>image/png</code>" in page
    assert "<img" not in page.split('id="section-attachments"')[1]


def test_a_hostile_html_mail_renders_none_of_its_active_content(desk_client):
    message = kept_message(html_only_mail(HOSTILE))

    page = desk_client.get(url("message", message)).content.decode()
    body = page.split('id="mail-body">')[1].split("</div>")[0]

    assert "ご確認ください" in body and "案内ページ" in body and "固定" in body
    for forbidden in (
        "<script",
        "alert(",
        "<style",
        "display:none",
        "onerror",
        "onclick",
        "<img",
        "tracker.example.com",
        "javascript:",
        "data:text",
        "<iframe",
        "evil.example.com",
        "<form",
        "<input",
        "style=",
    ):
        assert forbidden not in body, forbidden
    assert '<a href="https://example.com/info" rel="noopener noreferrer nofollow">案内ページ</a>' in body
    # nothing of it anywhere else on the page either
    assert "alert(" not in page and "tracker.example.com" not in page


def test_the_kept_mail_downloads_as_received_and_the_copy_is_audited(desk_client):
    raw = plain_mail()
    message = kept_message(raw)

    response = desk_client.get(url("message_eml", message))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == raw
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="evidence.downloaded")
    assert (event.subject_type, event.subject_id) == ("mailboxmessage", message.pk)


@pytest.mark.parametrize(
    "role, status", [(None, 302), (Role.CONTRACTOR, 403), (Role.SUPERVISOR, 403), (Role.BILLING_AGENT, 403)]
)
@pytest.mark.parametrize("name", ["triage", "received", "message", "message_eml"])
def test_only_the_help_desk_sees_received_mail(client, role, status, name):
    message = kept_message(plain_mail())
    signed_in_as(client, role)
    path = {"triage": "/desk/mailbox/", "received": "/desk/mailbox/all/"}.get(name) or url(name, message)

    response = client.get(path)

    assert response.status_code == status
    assert "hanako@echigo-kensetsu.example.jp" not in response.content.decode()
    assert not AuditEvent.objects.filter(
        action__in=["mailbox_message.viewed", "evidence.downloaded"]
    ).exists()


def test_the_pages_speak_english(desk_client):
    message = kept_message(plain_mail())
    desk_client.cookies["django_language"] = "en"

    listing = desk_client.get("/desk/mailbox/", HTTP_ACCEPT_LANGUAGE="en")
    detail = desk_client.get(url("message", message), HTTP_ACCEPT_LANGUAGE="en")

    assert listing.status_code == detail.status_code == 200
    assert listing.headers.get("Content-Language") == "en"
