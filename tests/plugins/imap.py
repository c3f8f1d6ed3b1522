"""A real IMAP server (Dovecot, Debian's dovecot-imapd) for the mailbox tests: ``scripts/imap-throwaway.sh``
starts one per test session on free ports of 127.0.0.1, without root.

* ``imap_server`` (session): the running server (host, ports, the certificate to trust). Locally the
  tests that use it skip, saying why, when Dovecot is not installed; in CI (CI=true) that is a failure.
* ``imap_mailbox`` (per test): a fresh user with an empty INBOX (a line appended to the server's
  passwd-file, which Dovecot re-reads), and ``settings.MAILBOXES`` set to read it as the mailbox
  "reception" over STARTTLS. Helpers: ``append(raw) -> uid``, ``uids(folder)``, ``messages(folder)``,
  ``folders()``, ``configure(scheme=…, name=…, password=…)`` (another way in: "imaps", "imap").
"""

from __future__ import annotations

import os
import secrets
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "imap-throwaway.sh"
PROCESSED = "calsreg/processed"


def _dovecot() -> str | None:
    return shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)


@dataclass(frozen=True)
class ImapServer:
    folder: Path
    host: str
    port: int  # plain, and STARTTLS
    imaps_port: int
    ca_file: str

    def user_add(self, user: str, password: str) -> None:
        """A new user (Dovecot re-reads its passwd-file when it changes) with an empty Maildir."""
        home = self.folder / "home"
        # Owned like the other homes: the server's mail user (not root when the tests run as root).
        owner = home.stat()
        for path in (
            home / user,
            home / user / "Maildir",
            *(home / user / "Maildir" / s for s in ("cur", "new", "tmp")),
        ):
            path.mkdir(exist_ok=True)
            os.chown(path, owner.st_uid, owner.st_gid)
        with (self.folder / "users").open("a") as users:
            users.write(f"{user}:{{PLAIN}}{password}\n")


@pytest.fixture(scope="session")
def imap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    if _dovecot() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Dovecot not found: CI must run the mailbox tests (apt-get install dovecot-imapd)")
        pytest.skip("mailbox test skipped: Dovecot is not installed (apt-get install dovecot-imapd)")
    # Not under pytest's temporary folders: they are private to this user (0700), and a server started
    # as root runs as Dovecot's own user, which must reach its files.
    folder = Path(tempfile.mkdtemp(prefix="calsreg-imap-"))
    log = tmp_path_factory.mktemp("imap") / "start.log"
    # To a file, not a pipe: the daemon keeps the script's output open, a pipe would never end.
    with log.open("wb") as output:
        started = subprocess.run(
            ["bash", str(SCRIPT), "start", str(folder), "desk:desk-password"],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    if started.returncode != 0:
        pytest.fail(f"the IMAP server did not start: {log.read_text(errors='replace').strip()}")
    values = dict(
        line.split("=", 1) for line in (folder / "server.env").read_text().splitlines() if "=" in line
    )
    server = ImapServer(
        folder=folder,
        host=values["IMAP_HOST"],
        port=int(values["IMAP_PORT"]),
        imaps_port=int(values["IMAPS_PORT"]),
        ca_file=values["IMAP_CA_FILE"],
    )
    yield server
    subprocess.run(
        ["bash", str(SCRIPT), "stop", str(folder)],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )


@dataclass
class ImapMailbox:
    """One test's mailbox on the session's server, and the settings that read it."""

    server: ImapServer
    user: str
    password: str
    settings: Any
    name: str = "reception"
    mailbox: Any = field(default=None)

    def client(self) -> Any:
        from imapclient import IMAPClient

        client = IMAPClient(self.server.host, port=self.server.port, ssl=False, timeout=30)
        client.starttls(ssl.create_default_context(cafile=self.server.ca_file))
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> int:
        """Put a message in the folder, exactly these bytes; its UID."""
        client = self.client()
        try:
            response = client.append(folder, raw)
        finally:
            client.logout()
        # "[APPENDUID <uidvalidity> <uid>] Append completed."
        return int(response.split(b"]")[0].split()[-1])

    def append_many(self, raws: list[bytes], folder: str = "INBOX") -> None:
        client = self.client()
        try:
            for raw in raws:
                client.append(folder, raw)
        finally:
            client.logout()

    def uids(self, folder: str = "INBOX") -> list[int]:
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["ALL"]))
        finally:
            client.logout()

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """The raw messages of the folder, by UID."""
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            fetched = client.fetch(uids, [b"BODY.PEEK[]"]) if uids else {}
            return [bytes(fetched[uid][b"BODY[]"]) for uid in sorted(fetched)]
        finally:
            client.logout()

    def folders(self) -> list[str]:
        client = self.client()
        try:
            return sorted(name for _flags, _delimiter, name in client.list_folders())
        finally:
            client.logout()

    def configure(
        self, *, scheme: str = "starttls", name: str | None = None, password: str | None = None
    ) -> Any:
        """Read this mailbox as ``name`` over ``scheme`` ("starttls", "imaps", "imap"); the settings."""
        from calsreg.mailbox.config import MailboxSettings

        self.name = name or self.name
        port = self.server.imaps_port if scheme == "imaps" else self.server.port
        self.mailbox = MailboxSettings(
            name=self.name,
            scheme=scheme,
            host=self.server.host,
            port=port,
            user=self.user,
            folder="INBOX",
            processed_folder=PROCESSED,
            ca_file=self.server.ca_file,
            password=self.password if password is None else password,
        )
        self.settings.MAILBOXES = (self.mailbox,)
        return self.mailbox


@pytest.fixture
def imap_mailbox(imap_server: ImapServer, settings: Any) -> ImapMailbox:
    user = f"t{secrets.token_hex(6)}"
    password = f"pw-{secrets.token_urlsafe(12)}"
    imap_server.user_add(user, password)
    mailbox = ImapMailbox(server=imap_server, user=user, password=password, settings=settings)
    # Dovecot looks at its passwd-file at most once a second (and a refused login costs it two
    # seconds): let a second pass, then make sure the new user can log in.
    time.sleep(1.05)
    deadline = time.monotonic() + 10
    while True:
        try:
            mailbox.client().logout()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    mailbox.configure()
    return mailbox
