"""A real HTTP receiver for the webhooks (``http.server`` on 127.0.0.1), and small builders."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from calsreg.events.models import Event
from calsreg.events.services import SubscriberSecrets, subscriber_create
from calsreg.events.signing import signature_valid
from calsreg.records.services import Actor

TIMESTAMP_TOLERANCE_SECONDS = 300


@dataclass
class Received:
    event_id: str
    timestamp: int
    signature_ok: bool
    timestamp_ok: bool
    body: dict[str, Any]


@dataclass
class Receiver:
    """Records every POST; answers ``status`` (200 unless told otherwise). Verifies each request as
    a subscriber should: the HMAC over "<timestamp>.<body>" and the timestamp's freshness."""

    port: int
    secret: str = ""
    status: int = 200
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/calsreg"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = int(self.headers["X-Calsreg-Timestamp"])
                if receiver.status < 300:
                    receiver.received.append(
                        Received(
                            event_id=self.headers["X-Calsreg-Event-Id"],
                            timestamp=timestamp,
                            signature_ok=signature_valid(
                                secret=receiver.secret,
                                timestamp=timestamp,
                                body=body,
                                header=self.headers["X-Calsreg-Signature"],
                            ),
                            timestamp_ok=abs(time.time() - timestamp) <= TIMESTAMP_TOLERANCE_SECONDS,
                            body=json.loads(body),
                        )
                    )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def types(self) -> list[str]:
        return [r.body["type"] for r in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def subscriber_for(receiver: Receiver, *, name: str = "情報共有システム") -> SubscriberSecrets:
    made = subscriber_create(
        name=name, webhook_url=receiver.url, client_id="cals-share", actor=Actor.system("tests")
    )
    receiver.secret = made.signing_secret
    return made


def event_types(**filters: Any) -> list[str]:
    return list(Event.objects.filter(**filters).order_by("pk").values_list("type", flat=True))
