"""A real SMTP server (aiosmtpd) for tests, and a helper that runs the real task worker.

``smtp_server`` points Django's SMTP backend at a server on 127.0.0.1 and yields an ``SmtpServer``:
``.messages`` (parsed with ``email.policy.default``, so headers come back decoded; line endings
"\n"), ``.subjects`` (decoded and trimmed), ``.envelopes``
(mail_from, rcpt_tos and the raw bytes as received) and ``.refuse_next(...)`` to make the next
command(s) fail with a given reply.

``smtp_and_outbox`` is ``smtp_server`` with every message also handed to the demo outbox backend, so
a test can compare the mail that left with the copy the desk can read.

``run_tasks`` is a fixture returning a function that runs ``manage.py db_worker --batch`` — every
ready django-tasks task, through the real worker — and returns how many tasks it ran. Tests that use
it should be ``django_db(transaction=True)``: the worker closes obsolete connections between tasks,
which is incompatible with a test wrapped in one transaction on PostgreSQL, and the claim/send/mark
steps are separate transactions in production too.
"""

from __future__ import annotations

import email
import email.policy
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage as DjangoEmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpEmailBackend
from django.core.management import call_command

SMTP_HOST = "127.0.0.1"


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    _refusals: dict[str, list[str]] = field(default_factory=lambda: {"RCPT": [], "DATA": []})
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def subjects(self) -> list[str]:
        """Decoded subjects as a mail client shows them.

        Django folds a long non-ASCII subject so that its first encoded word starts on a continuation
        line ("Subject:" CRLF SP "=?utf-8?b?…"); ``email.policy.default`` keeps that folding space in
        ``message["Subject"]``, mail clients don't.
        """
        return [str(message["Subject"]).strip() for message in self.messages]

    def refuse_next(self, *, reply: str, at: Literal["RCPT", "DATA"] = "DATA", times: int = 1) -> None:
        """Answer the next ``times`` RCPT or DATA commands with ``reply`` (e.g. "451 4.3.0 Busy")."""
        with self._lock:
            self._refusals[at].extend([reply] * times)

    def _take_refusal(self, at: str) -> str | None:
        with self._lock:
            return self._refusals[at].pop(0) if self._refusals[at] else None

    # aiosmtpd handler hooks (run in the server's thread).
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        refusal = self._take_refusal("RCPT")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        refusal = self._take_refusal("DATA")
        if refusal:
            return refusal
        content = bytes(envelope.original_content or envelope.content)
        with self._lock:
            self.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos), content))
            # Python's email package works in "\n" line endings; the raw CRLF stays in .envelopes.
            parsed = email.message_from_bytes(content.replace(b"\r\n", b"\n"), policy=email.policy.default)
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it; the tiny reuse race is acceptable)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((SMTP_HOST, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer(host=SMTP_HOST, port=free_port())
    controller = Controller(server, hostname=SMTP_HOST, port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = SMTP_HOST
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        controller.stop()


class SmtpAndOutboxBackend(BaseEmailBackend):
    """Each message through Django's SMTP backend and then the demo outbox backend."""

    def send_messages(self, email_messages: Any) -> int:
        from calsreg.notifications.outbox import OutboxEmailBackend

        messages: list[DjangoEmailMessage] = list(email_messages)
        sent = SmtpEmailBackend(fail_silently=self.fail_silently).send_messages(messages)
        OutboxEmailBackend(fail_silently=self.fail_silently).send_messages(messages)
        return sent


@pytest.fixture
def smtp_and_outbox(smtp_server: SmtpServer, settings: Any) -> SmtpServer:
    settings.EMAIL_BACKEND = f"{__name__}.SmtpAndOutboxBackend"
    return smtp_server


def run_task_worker() -> int:
    """Run every ready task through ``db_worker --batch``; return how many ran (any outcome)."""
    from django_tasks_db.models import DBTaskResult

    finished_before = DBTaskResult.objects.filter(finished_at__isnull=False).count()
    # The worker installs its own SIGINT/SIGTERM handlers; put pytest's back afterwards.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name=*", verbosity=0
        )
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return DBTaskResult.objects.filter(finished_at__isnull=False).count() - finished_before


@pytest.fixture
def run_tasks() -> Callable[[], int]:
    return run_task_worker
