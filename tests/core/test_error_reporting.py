"""The optional error report (Sentry protocol): a failing page arrives at the configured receiver, and
no password, e-mail address, cookie or query string from the request goes with it."""

from __future__ import annotations

import gzip
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.test import Client

from calsreg.core.errorreport import sentry_init

PASSWORD = "Sup3r-Secret-Passw0rd!"
EMAIL = "tanaka@echigo-kensetsu.example.co.jp"


@pytest.fixture
def receiver():
    """A tiny HTTP server standing in for the error-reporting service; collects what it is sent."""
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding == "br":
                import brotli  # type: ignore[import-not-found]

                body = brotli.decompress(body)
            bodies.append(body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://publickey@127.0.0.1:{server.server_address[1]}/1", bodies
    server.shutdown()
    server.server_close()


@pytest.fixture
def reporting(receiver):
    dsn, bodies = receiver
    sentry_init(dsn=dsn, environment="test", release="calsreg@test")
    yield bodies
    sentry_sdk.get_client().close()
    sentry_sdk.init()


@pytest.mark.django_db
@pytest.mark.urls("tests.core.error_urls")
def test_a_failing_page_is_reported_without_the_requests_personal_values(reporting):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "session-cookie-value"

    response = client.post(
        f"/fail/?email={EMAIL}&token=query-token-value",
        {"email": EMAIL, "password": PASSWORD},
        HTTP_AUTHORIZATION="Bearer header-token-value",
    )
    sentry_sdk.flush(timeout=5)

    assert response.status_code == 500
    sent = b"".join(reporting).decode("utf-8", "replace")
    assert "ValueError" in sent
    assert '"environment":"test"' in sent.replace(" ", "")
    assert "/fail/" in sent
    for secret in (PASSWORD, EMAIL, "session-cookie-value", "query-token-value", "header-token-value"):
        assert secret not in sent, secret
