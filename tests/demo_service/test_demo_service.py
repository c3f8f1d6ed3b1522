"""The demo information-sharing service (demo_service/) against a live calsreg: sign-in through the
provider, the membership mirror from signed webhooks, and the same mirror rebuilt from the feed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests

from calsreg.events.models import WebhookDelivery
from tests.accounts.helpers import PASSWORD, started
from tests.demo_service.helpers import sign_in, text_of, webhooks_deliver

pytestmark = pytest.mark.django_db(transaction=True)


def _signed(secret: str, body: bytes, *, timestamp: int) -> dict[str, str]:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Calsreg-Timestamp": str(timestamp), "X-Calsreg-Signature": f"v1={digest}"}


def _forged_event() -> tuple[str, bytes]:
    event_id = str(uuid.uuid4())
    body = {
        "id": event_id,
        "cursor": 999,
        "type": "membership.added",
        "occurred_at": "2026-12-07T10:00:00+09:00",
        "subject": {"project_number": "R8-偽-0001", "account_id": "mallory.xyz"},
        "payload": {
            "membership": {
                "project_number": "R8-偽-0001",
                "account_id": "mallory.xyz",
                "sub": "f" * 32,
                "role": "site_agent",
            }
        },
    }
    return event_id, json.dumps(body).encode()


def test_a_contractor_signs_in_through_calsreg_and_sees_the_project(service):
    # given: a project in use; its site agent has a calsreg ID and password
    project, (tanaka, _suzuki, _supervisor) = started()
    tanaka.must_change_password = False
    tanaka.save(update_fields=["must_change_password"])

    # when
    home = sign_in(service, username=tanaka.username, password=PASSWORD)

    # then: back at the service, signed in, with the project from the cals_projects claim
    assert home.status_code == 200
    assert home.url == service.url + "/"
    page = text_of(home.text)
    assert f"{tanaka.display_name}（{tanaka.username}）" in page
    assert f"{project.project_number} {project.name} {project.office.name} 現場代理人 利用中" in page
    assert "calsregでログイン" not in page


def test_a_refused_sign_in_shows_the_reason_and_signs_nobody_in(service):
    # given: calsreg answers the callback with an error (the person saw the reason there)
    browser = requests.Session()

    # when
    refused = browser.get(
        service.url + "/callback/", params={"error": "access_denied", "state": "x"}, timeout=10
    )

    # then
    assert refused.status_code == 403
    assert "calsregでのログインが中止されたか、許可されませんでした。" in text_of(refused.text)
    assert "calsregでログイン" in text_of(browser.get(service.url + "/", timeout=10).text)
    assert service.rows("SELECT COUNT(*) FROM django_session") == [(0,)]


def test_the_webhooks_signed_by_calsreg_build_the_membership_mirror(service):
    # given: the service subscribed before the project was registered and started
    project, accounts = started()

    # when: the worker sends the webhooks
    sent = webhooks_deliver()

    # then: each was acknowledged, stored once and applied
    assert sent == WebhookDelivery.objects.count() > 0
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert service.rows("SELECT COUNT(*), COUNT(DISTINCT event_id) FROM demo_service_receivedevent") == [
        (sent, sent)
    ]
    mirror = service.mirror()
    assert [row[0] for row in mirror["projects"]] == [project.project_number]
    assert mirror["projects"][0][3] == "active"
    assert sorted(row[1] for row in mirror["memberships"]) == sorted(user.username for user in accounts)


def test_a_forged_or_replayed_webhook_is_refused_and_changes_nothing(service):
    # given
    secret = service.config["signing_secret"]
    event_id, body = _forged_event()
    now = int(time.time())
    attempts = [
        _signed("whsec_not-the-secret", body, timestamp=now),  # forged: a key the attacker guessed
        _signed(secret, body + b" ", timestamp=now),  # the body changed after signing
        _signed(secret, body, timestamp=now - 600),  # a replay of an old, genuine request
        {"X-Calsreg-Timestamp": str(now)},  # no signature at all
    ]

    # when
    statuses = [
        requests.post(
            service.url + "/hooks/calsreg/",
            data=body,
            headers={**headers, "X-Calsreg-Event-Id": event_id, "Content-Type": "application/json"},
            timeout=10,
        ).status_code
        for headers in attempts
    ]

    # then
    assert statuses == [401, 401, 401, 401]
    assert service.rows("SELECT COUNT(*) FROM demo_service_receivedevent") == [(0,)]
    assert service.mirror() == {"projects": [], "accounts": [], "memberships": []}


def test_a_genuine_webhook_delivered_twice_is_applied_once(service):
    # given
    secret = service.config["signing_secret"]
    event_id, body = _forged_event()  # well formed; this time signed with the real secret

    # when
    statuses = [
        requests.post(
            service.url + "/hooks/calsreg/",
            data=body,
            headers={**_signed(secret, body, timestamp=int(time.time())), "X-Calsreg-Event-Id": event_id},
            timeout=10,
        ).status_code
        for _ in range(2)
    ]

    # then
    assert statuses == [204, 204]
    assert service.rows("SELECT event_id, via FROM demo_service_receivedevent") == [
        (event_id.replace("-", ""), "webhook")
    ]
    assert service.mirror()["memberships"] == [("R8-偽-0001", "mallory.xyz", "site_agent")]


def test_catching_up_from_the_feed_rebuilds_the_same_mirror(service):
    # given: the mirror the webhooks built
    started()
    webhooks_deliver()
    from_webhooks = service.mirror()

    # when: a service that never saw a webhook reads the feed from the start, then again
    first = service.catch_up(database="rebuilt.sqlite3")
    again = service.catch_up(database="rebuilt.sqlite3")

    # then
    events = service.rows("SELECT COUNT(*) FROM demo_service_receivedevent")[0][0]
    assert first.startswith(f"{events} 件のイベントを取り込みました")
    assert again.startswith("0 件のイベントを取り込みました")
    assert service.mirror(database="rebuilt.sqlite3") == from_webhooks
    assert service.rows("SELECT type FROM demo_service_receivedevent ORDER BY cursor") == service.rows(
        "SELECT type FROM demo_service_receivedevent ORDER BY cursor", database="rebuilt.sqlite3"
    )
