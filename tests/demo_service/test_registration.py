"""`load_demo_data --service-url`: the demo service is registered once, and its secrets handed over
in a file only its owner can read."""

from __future__ import annotations

import json
import stat

import pytest
from oauth2_provider.models import Application

from calsreg.demo.service import load_demo_service
from calsreg.events.models import Subscriber

pytestmark = pytest.mark.django_db

SERVICE = "http://127.0.0.1:8001"
ISSUER = "http://127.0.0.1:8000"


def test_the_demo_service_is_registered_as_a_first_party_and_a_subscriber(tmp_path):
    # given
    path = tmp_path / "demo-service.json"

    # when
    made = load_demo_service(service_url=SERVICE, issuer=ISSUER, path=path)

    # then
    config = json.loads(path.read_text(encoding="utf-8"))
    party = Application.objects.get()
    subscriber = Subscriber.objects.get()
    assert made is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (
        party.client_id,
        party.redirect_uris,
        party.post_logout_redirect_uris,
        party.skip_authorization,
    ) == (
        config["client_id"],
        "http://127.0.0.1:8001/callback/",
        "http://127.0.0.1:8001/",
        True,
    )
    assert party.client_secret != config["client_secret"]  # only its hash is kept
    # its sessions end there when calsreg ends them (back-channel logout)
    assert party.sso_backchannel.uri == "http://127.0.0.1:8001/backchannel-logout/"
    assert (subscriber.webhook_url, subscriber.client_id, subscriber.signing_secret) == (
        "http://127.0.0.1:8001/hooks/calsreg/",
        party.client_id,
        config["signing_secret"],
    )
    assert (config["issuer"], config["base_url"]) == (ISSUER, SERVICE)
    assert config["feed_token"].startswith("cse_")


def test_loading_again_keeps_the_registration(tmp_path):
    # given
    path = tmp_path / "demo-service.json"
    load_demo_service(service_url=SERVICE, issuer=ISSUER, path=path)
    before = path.read_text(encoding="utf-8")

    # when
    made = load_demo_service(service_url=SERVICE, issuer=ISSUER, path=path)

    # then
    assert made is False
    assert path.read_text(encoding="utf-8") == before
    assert (Application.objects.count(), Subscriber.objects.count()) == (1, 1)


def test_a_lost_file_gives_new_secrets_to_the_same_subscriber(tmp_path):
    # given
    path = tmp_path / "demo-service.json"
    load_demo_service(service_url=SERVICE, issuer=ISSUER, path=path)
    old = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()

    # when
    load_demo_service(service_url=SERVICE, issuer=ISSUER, path=path)

    # then: the subscriber's old secrets stop working (the old party is left unused)
    new = json.loads(path.read_text(encoding="utf-8"))
    assert Subscriber.objects.get().signing_secret == new["signing_secret"] != old["signing_secret"]
    assert new["feed_token"] != old["feed_token"]
    assert new["client_id"] != old["client_id"]
