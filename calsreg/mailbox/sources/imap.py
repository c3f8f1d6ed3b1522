"""An IMAP folder as the reader's source, through imapclient (a maintained client over the standard
library's imaplib: parsed FETCH responses, UID commands, MOVE/UIDPLUS and IDLE).

TLS is always verified (the system's authorities, plus ``_CA_FILE`` when set); plain ``imap://`` is
refused by the settings unless the host is this machine. Bodies are fetched with ``BODY.PEEK[]`` so
nothing is marked seen by reading. imapclient redacts LOGIN from its own debug log, and no error this
module raises carries the password.
"""

from __future__ import annotations

import imaplib
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from calsreg.mailbox.config import MailboxSettings
from calsreg.mailbox.sources import LoginRefused, MessageInfo, SourceError

# What a server or network failure looks like through imapclient: imaplib's errors (abort, readonly),
# socket and TLS errors (OSError), and imapclient's own.
IMAP_ERRORS: tuple[type[BaseException], ...] = (imaplib.IMAP4.error, IMAPClientError, OSError, EOFError)
# UIDs per FETCH/MOVE command: keeps each command line short, whatever the folder's size.
UIDS_PER_COMMAND = 500


def tls_context(mailbox: MailboxSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if mailbox.ca_file:
        context.load_verify_locations(cafile=mailbox.ca_file)
    return context


@contextmanager
def _as_source_error(mailbox: MailboxSettings, doing: str) -> Iterator[None]:
    try:
        yield
    except SourceError:
        raise
    except IMAP_ERRORS as exc:
        # From None: the chained imaplib error carries nothing more, and a traceback of it is noise.
        raise SourceError(
            f"mailbox {mailbox.name} ({mailbox.address}): {doing} failed: {_text(exc)}"
        ) from None


def _text(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, socket.timeout | TimeoutError):
        text = text or "timed out"
    return f"{type(exc).__name__}: {text}"[:300]


class ImapSource:
    """One connection to the mailbox's server with its folder selected (read-write)."""

    def __init__(self, mailbox: MailboxSettings) -> None:
        self.mailbox = mailbox
        self.client: IMAPClient | None = None
        with _as_source_error(mailbox, "connecting"):
            self.client = self._connect()
        self._login()
        with _as_source_error(mailbox, f"selecting {mailbox.folder}"):
            selected = self.client.select_folder(mailbox.folder)
            self.can_idle = self.client.has_capability("IDLE")
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        self.uid_next = int(selected.get(b"UIDNEXT", 0))
        self._processed_folder_ready = False

    def _connect(self) -> IMAPClient:
        mailbox = self.mailbox
        timeout = settings.MAILBOX_CONNECT_TIMEOUT_SECONDS
        if mailbox.scheme == "imaps":
            client = IMAPClient(
                mailbox.host, port=mailbox.port, ssl=True, ssl_context=tls_context(mailbox), timeout=timeout
            )
        else:
            client = IMAPClient(mailbox.host, port=mailbox.port, ssl=False, timeout=timeout)
            if mailbox.scheme == "starttls":
                client.starttls(tls_context(mailbox))
        # Aware datetimes (the server's INTERNALDATE with its offset), not naive local ones.
        client.normalise_times = False
        return client

    def _login(self) -> None:
        assert self.client is not None
        try:
            self.client.login(self.mailbox.user, self.mailbox.password)
        except LoginError as exc:
            raise LoginRefused(
                f"mailbox {self.mailbox.name} ({self.mailbox.address}): the server refused the login of "
                f"{self.mailbox.user!r}: {_text(exc)}; check CALSREG_MAILBOX_{self.mailbox.name.upper()}_PASSWORD"
            ) from None
        except IMAP_ERRORS as exc:
            raise SourceError(
                f"mailbox {self.mailbox.name} ({self.mailbox.address}): login failed: {_text(exc)}"
            ) from None

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.logout()
        except Exception:
            with suppress(Exception):
                self.client.shutdown()
        self.client = None

    @property
    def _client(self) -> IMAPClient:
        if self.client is None:
            raise SourceError(f"mailbox {self.mailbox.name}: the connection is closed")
        return self.client

    def uids(self) -> list[int]:
        with _as_source_error(self.mailbox, "listing messages"):
            return sorted(int(uid) for uid in self._client.search(["ALL"]))

    def infos(self, uids: Sequence[int]) -> dict[int, MessageInfo]:
        infos = {}
        for uid, data in self._fetch(uids, [b"RFC822.SIZE", b"INTERNALDATE"], "reading sizes"):
            arrived = data.get(b"INTERNALDATE")
            if not isinstance(arrived, datetime):
                arrived = datetime.now(UTC)
            elif arrived.tzinfo is None:
                arrived = arrived.replace(tzinfo=UTC)
            infos[uid] = MessageInfo(uid=uid, size_bytes=int(data.get(b"RFC822.SIZE", 0)), arrived_at=arrived)
        return infos

    def bodies(self, uids: Sequence[int]) -> dict[int, bytes]:
        return {
            uid: bytes(data[b"BODY[]"])
            for uid, data in self._fetch(uids, [b"BODY.PEEK[]"], "fetching messages")
            if data.get(b"BODY[]") is not None
        }

    def header(self, uid: int) -> bytes:
        for _uid, data in self._fetch([uid], [b"BODY.PEEK[HEADER]"], "fetching a header"):
            return bytes(data.get(b"BODY[HEADER]") or b"")
        return b""

    def _fetch(
        self, uids: Sequence[int], items: list[bytes], doing: str
    ) -> Iterator[tuple[int, dict[bytes, Any]]]:
        for start in range(0, len(uids), UIDS_PER_COMMAND):
            chunk = list(uids[start : start + UIDS_PER_COMMAND])
            with _as_source_error(self.mailbox, doing):
                response = self._client.fetch(chunk, items)
            for uid, data in sorted(response.items()):
                yield int(uid), data

    def move(self, uids: Sequence[int]) -> None:
        if not uids:
            return
        client = self._client
        folder = self.mailbox.processed_folder
        with _as_source_error(self.mailbox, f"moving messages to {folder}"):
            if not self._processed_folder_ready:
                if not client.folder_exists(folder):
                    try:
                        client.create_folder(folder)
                    except imaplib.IMAP4.error:
                        if not client.folder_exists(folder):  # else another reader made it meanwhile
                            raise
                self._processed_folder_ready = True
            for start in range(0, len(uids), UIDS_PER_COMMAND):
                self._move_chunk(list(uids[start : start + UIDS_PER_COMMAND]), folder)

    def _move_chunk(self, chunk: list[int], folder: str) -> None:
        client = self._client
        for attempt in range(3):
            try:
                if client.has_capability("MOVE"):
                    client.move(chunk, folder)
                    return
                client.copy(chunk, folder)
                client.delete_messages(chunk)
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge(chunk)
                else:
                    # Without UIDPLUS an EXPUNGE removes every message flagged \Deleted, ours or not.
                    client.expunge()
                return
            except imaplib.IMAP4.error as exc:
                # Another reader of the same mailbox moved some of them meanwhile (Dovecot answers
                # EXPUNGEISSUED): move the ones still here.
                if attempt == 2 or (
                    b"EXPUNGEISSUED" not in str(exc).encode() and "no longer exist" not in str(exc)
                ):
                    raise
                client.noop()
                present = set(client.search(["ALL"]))
                chunk = [uid for uid in chunk if uid in present]
                if not chunk:
                    return

    def wait(self, *, seconds: float, stop_requested: Callable[[], bool], after_uid: int = 0) -> bool:
        """IDLE until the server reports new mail (True), ``seconds`` pass or a stop is asked (False);
        without IDLE, False at once (the caller polls). Mail that arrived after ``after_uid`` (the last
        UID the pass saw) is True at once: IDLE only tells what arrives from now on."""
        if not self.can_idle:
            return False
        if after_uid and self.uid_next > after_uid + 1:
            return True
        client = self._client
        deadline = time.monotonic() + seconds
        with _as_source_error(self.mailbox, "waiting for mail (IDLE)"):
            client.idle()
            try:
                while not stop_requested() and time.monotonic() < deadline:
                    responses = client.idle_check(timeout=min(1.0, max(0.0, deadline - time.monotonic())))
                    if any(len(item) > 1 and item[1] in (b"EXISTS", b"RECENT") for item in responses):
                        return True
            finally:
                client.idle_done()
        return False
