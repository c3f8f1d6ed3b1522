"""The demo outbox: the acknowledgment of a real submission, readable in the browser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from calsreg.notifications.models import OutboxMessage
from calsreg.notifications.services import deliveries_send_due
from tests.desk.helpers import submit_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(settings):
    settings.EMAIL_BACKEND = "calsreg.notifications.outbox.OutboxEmailBackend"
    application = submit_application()
    assert deliveries_send_due() == 1
    return application, OutboxMessage.objects.get()


def test_outbox_lists_the_sent_mail(desk_client, sent):
    application, message = sent

    content = desk_client.get(reverse("desk:outbox")).content.decode()

    assert "全1件中 1〜1件" in content
    assert f'<a href="/desk/outbox/{message.pk}/">{message.subject}</a>' in content
    assert "tanaka@echigo-kensetsu.example.co.jp" in content
    assert application.receipt_number in message.subject + message.body


def test_outbox_search(desk_client, sent):
    _application, message = sent

    found = desk_client.get(reverse("desk:outbox"), {"q": "tanaka@"}).content.decode()
    missed = desk_client.get(reverse("desk:outbox"), {"q": "nobody@"}).content.decode()

    assert f"/desk/outbox/{message.pk}/" in found
    assert "メールはありません。" in missed


def test_outbox_detail_shows_headers_and_body(desk_client, sent):
    application, message = sent

    content = desk_client.get(reverse("desk:outbox_detail", args=[message.pk])).content.decode()

    assert message.from_address.replace("<", "&lt;").replace(">", "&gt;") in content
    assert "tanaka@echigo-kensetsu.example.co.jp" in content
    assert application.receipt_number in content
    assert "受付確認メール（送信済み）" in content
    assert "メールソース" in content


def test_unknown_outbox_message_is_404(desk_client):
    assert desk_client.get(reverse("desk:outbox_detail", args=[9999])).status_code == 404
