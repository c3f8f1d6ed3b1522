"""Messages for the mailbox reader's tests: exact bytes, with CRLF line ends as a server keeps them."""

from __future__ import annotations

import pytest

from calsreg.accounts.models import Role
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, UserFactory
from tests.mailbox.mails import DIRECTORY


def raw_mail(number: int, *, message_id: str | None = None, body: str = "本文です。", size: int = 0) -> bytes:
    """A small plain-text mail; ``size`` pads the body to about that many bytes."""
    mid = message_id or f"<m{number}@sender.example.jp>"
    text = body + ("x" * max(0, size - len(body.encode())))
    lines = [
        "From: Sender <sender@example.jp>",
        "To: helpdesk@calsreg.example.jp",
        f"Subject: =?UTF-8?B?{__import__('base64').b64encode(f'問い合わせ {number}'.encode()).decode()}?=",
        f"Message-ID: {mid}",
        "Date: Tue, 01 Dec 2026 10:00:00 +0900",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        text,
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")


@pytest.fixture
def mail():
    return raw_mail


@pytest.fixture(autouse=True)
def _no_pending_files_left():
    """The test's transaction never commits, so the files it kept stay "pending" for this thread; a
    later test's request would try to settle them without a database. Forget them at the end."""
    yield
    from calsreg.core import files

    files._pending().clear()


@pytest.fixture
def desk(db):
    """The help-desk operator who sends the confirmation mails."""
    return Actor.staff(UserFactory(role=Role.HELP_DESK, username="helpdesk1"))


@pytest.fixture
def supervisor(db):
    """The directory supervisor whose address is ``mails.DIRECTORY``."""
    return SupervisorFactory(name="山田 直樹", email=DIRECTORY, phone="025-280-8101")
