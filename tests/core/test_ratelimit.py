"""The client address behind the rate limits and the login lockout (the endpoints' own tests are in
tests/portal/test_throttle.py and tests/api/test_throttle.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from calsreg.core.ratelimit import client_address


def request_from(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("203.0.113.7", "192.0.2.1", "203.0.113.7"),  # not our proxy: the header is the client's word
        ("10.0.0.2", "192.0.2.1, 203.0.113.7", "203.0.113.7"),  # right-most address that is not ours
        ("10.0.0.2", "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # a chain of our proxies
        ("10.0.0.2", "203.0.113.7:51234", "203.0.113.7"),  # a port appended by the proxy
        ("10.0.0.2", "[2001:db8::5]:443", "2001:db8::5"),
        ("10.0.0.2", "", "10.0.0.2"),  # no header: the proxy itself
        ("10.0.0.2", "unknown, not-an-address", "10.0.0.2"),  # garbage: counted against the proxy
        ("10.0.0.2", "10.0.0.8, 10.0.0.9", "10.0.0.8"),  # only our own addresses: the left-most
        ("::ffff:203.0.113.7", None, "203.0.113.7"),  # IPv4 mapped into IPv6 is the IPv4 client
        ("", "203.0.113.7", ""),  # no peer address (a Unix socket): nothing to trust the header on
    ],
)
def test_the_client_address(settings, remote, forwarded, client):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]

    assert client_address(request_from(remote, forwarded)) == client


def test_a_proxy_setting_that_is_not_an_address_stops_with_the_settings_name(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/33"]

    with pytest.raises(ImproperlyConfigured, match="CALSREG_TRUSTED_PROXIES"):
        client_address(request_from("10.0.0.2", "203.0.113.7"))
