"""Where the reader takes messages from: an IMAP folder (``imap.py``) or a local Maildir
(``maildir.py``). Both give the same few operations, so the reader's steps (keep, process, move) are
one code path whatever the source.

Every operation that talks to the server may raise ``SourceError`` (the server refused or could not
be reached; the message never holds the password) — the reader ends the pass on it and the loop backs off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from calsreg.mailbox.config import MailboxSettings


class SourceError(Exception):
    """The mailbox could not be read now (connection, TLS, login, a refused command)."""


class LoginRefused(SourceError):
    """The server refused the user name or password (the configuration must change)."""


@dataclass(frozen=True)
class MessageInfo:
    """What the server says about a message before its body is fetched."""

    uid: int
    size_bytes: int
    arrived_at: datetime


class Source(Protocol):
    uidvalidity: int
    # Whether the server can tell a waiting reader that mail arrived (IMAP IDLE).
    can_idle: bool

    def uids(self) -> list[int]:
        """The messages in the folder, ascending."""
        ...

    def infos(self, uids: Sequence[int]) -> dict[int, MessageInfo]:
        """Size and arrival of each message still there (a vanished one is left out)."""
        ...

    def bodies(self, uids: Sequence[int]) -> dict[int, bytes]:
        """The raw messages, unaltered and not marked seen (a vanished one is left out)."""
        ...

    def header(self, uid: int) -> bytes:
        """Only the header of a message (for one too large to fetch whole)."""
        ...

    def move(self, uids: Sequence[int]) -> None:
        """Move the messages to the processed folder (made if missing); one already gone is skipped."""
        ...

    def wait(self, *, seconds: float, stop_requested: Callable[[], bool], after_uid: int = 0) -> bool:
        """Wait (IMAP IDLE) until mail may have arrived (True), ``seconds`` pass or ``stop_requested()``
        is true (False); a source that cannot be told returns False at once and the caller polls."""
        ...


@contextmanager
def source_open(mailbox: MailboxSettings) -> Iterator[Source]:
    """The mailbox's source, connected and its folder selected; closed when the block ends."""
    if mailbox.is_maildir:
        from calsreg.mailbox.sources.maildir import MaildirSource

        yield MaildirSource(mailbox)
        return
    from calsreg.mailbox.sources.imap import ImapSource

    source = ImapSource(mailbox)
    try:
        yield source
    finally:
        source.close()
