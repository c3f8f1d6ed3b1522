"""A local Maildir as the reader's source: the documented alternative to an IMAP server (the demo on a
machine where Dovecot cannot start), read by Python's ``mailbox.Maildir`` and then the same steps.

UIDs: IMAP numbers messages, a Maildir names them. A message's UID is its file's unique name (the
part before ":2,", which never changes while the file moves from new/ to cur/ or gets flags) hashed to
a positive 60-bit integer: stable across passes and processes, with no map file to keep consistent
after a crash. Two names colliding would need ~10^9 messages in one maildir.
UIDVALIDITY: a number kept in the maildir's ``calsreg-uidvalidity`` file, made once (the time) when
missing — a maildir rebuilt from scratch gets a new one, as an IMAP server would give.
Processed messages are moved (renamed, bytes untouched) into the ``.processed`` sub-maildir
(Maildir++ naming; ``_PROCESSED_FOLDER`` is ignored for a maildir).
"""

from __future__ import annotations

import hashlib
import mailbox
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from calsreg.mailbox.config import MailboxSettings
from calsreg.mailbox.sources import MessageInfo, SourceError

UIDVALIDITY_FILE = "calsreg-uidvalidity"
PROCESSED_SUBFOLDER = "processed"


def uid_of(key: str) -> int:
    """The UID of the message whose unique file name (without its ":2,…" info) is ``key``."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:15], 16) or 1


class MaildirSource:
    can_idle = False

    def __init__(self, settings: MailboxSettings) -> None:
        self.settings = settings
        root = Path(settings.path)
        if not (root / "cur").is_dir() or not (root / "new").is_dir():
            raise SourceError(f"mailbox {settings.name}: {settings.path} is not a maildir (no cur/ and new/)")
        self.root = root
        self.maildir = mailbox.Maildir(str(root), factory=None, create=False)
        self.uidvalidity = self._uidvalidity()
        self._keys: dict[int, str] = {}

    def _uidvalidity(self) -> int:
        path = self.root / UIDVALIDITY_FILE
        try:
            return int(path.read_text().strip())
        except FileNotFoundError:
            pass
        except ValueError as exc:
            raise SourceError(f"mailbox {self.settings.name}: {path} holds no number") from exc
        value = int(time.time())
        temporary = path.with_name(f".{UIDVALIDITY_FILE}.{os.getpid()}")
        temporary.write_text(f"{value}\n")
        try:
            # A link never overwrites: two readers starting at once agree on the first one's number.
            os.link(temporary, path)
        except FileExistsError:
            value = int(path.read_text().strip())
        finally:
            temporary.unlink()
        return value

    def uids(self) -> list[int]:
        self.maildir.clean()  # only removes tmp/ files older than 36 hours, as the Maildir spec says
        self._keys = {uid_of(key): key for key in self.maildir.iterkeys()}
        return sorted(self._keys)

    def _path(self, uid: int) -> Path | None:
        key = self._keys.get(uid)
        if key is None:
            return None
        for sub in ("new", "cur"):
            for name in os.listdir(self.root / sub):
                if name.split(":", 1)[0] == key:
                    return self.root / sub / name
        return None

    def infos(self, uids: Sequence[int]) -> dict[int, MessageInfo]:
        infos = {}
        for uid in uids:
            path = self._path(uid)
            if path is None:
                continue
            stat = path.stat()
            arrived = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
            infos[uid] = MessageInfo(uid=uid, size_bytes=stat.st_size, arrived_at=arrived)
        return infos

    def bodies(self, uids: Sequence[int]) -> dict[int, bytes]:
        bodies = {}
        for uid in uids:
            path = self._path(uid)
            if path is not None:
                bodies[uid] = path.read_bytes()
        return bodies

    def header(self, uid: int) -> bytes:
        path = self._path(uid)
        if path is None:
            return b""
        lines = []
        with path.open("rb") as handle:
            for line in handle:
                if line in (b"\n", b"\r\n"):
                    break
                lines.append(line)
        return b"".join(lines)

    def move(self, uids: Sequence[int]) -> None:
        if not uids:
            return
        target = self.root / f".{PROCESSED_SUBFOLDER}"
        for sub in ("cur", "new", "tmp"):
            (target / sub).mkdir(parents=True, exist_ok=True)
        for uid in uids:
            path = self._path(uid)
            if path is None:  # moved already (before a crash)
                continue
            os.rename(path, target / "cur" / path.name)
            self._keys.pop(uid, None)

    def wait(self, *, seconds: float, stop_requested: Callable[[], bool], after_uid: int = 0) -> bool:
        return False  # a maildir cannot tell a waiting reader: the caller polls
