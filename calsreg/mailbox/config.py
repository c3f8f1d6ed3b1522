"""The mailboxes the system reads, from the environment (parsed once by ``config/settings.py``).

``CALSREG_MAILBOXES="reception,replies"`` names them; per name (upper-cased) ``CALSREG_MAILBOX_<NAME>_URL``
is ``imaps://user@host:993/INBOX``, ``imap+starttls://user@host:143/INBOX``, ``imap://user@127.0.0.1/INBOX``
(plain, loopback only: tests and the demo) or ``maildir:///absolute/path``; the password comes from
``_PASSWORD`` or ``_PASSWORD_FILE`` (never from the URL), ``_PROCESSED_FOLDER`` names the folder a
processed message is moved to and ``_CA_FILE`` an extra certificate authority to trust.

This module imports nothing of Django's models: the settings module calls it. A bad configuration is
not raised here (the settings module would then fail before anything can say which variable is wrong);
the problems are kept and the system check ``mailbox.E001`` shows each one, naming its variable, so
``manage.py check --deploy`` and every command that runs the checks refuse to start.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

PROCESSED_FOLDER_DEFAULT = "calsreg/processed"
SCHEMES = {"imaps": "imaps", "imap+starttls": "starttls", "imap": "imap", "maildir": "maildir"}
DEFAULT_PORTS = {"imaps": 993, "starttls": 143, "imap": 143}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class MailboxSettings:
    """One mailbox to read. ``scheme`` is "imaps", "starttls", "imap" (plain) or "maildir"; for a
    maildir ``path`` is its folder and the server fields are empty. The password is left out of
    ``repr`` (and so out of every log line or exception that prints the settings)."""

    name: str
    scheme: str
    host: str = ""
    port: int = 0
    user: str = ""
    folder: str = "INBOX"
    processed_folder: str = PROCESSED_FOLDER_DEFAULT
    path: str = ""
    ca_file: str = ""
    password: str = field(default="", repr=False)

    @property
    def is_maildir(self) -> bool:
        return self.scheme == "maildir"

    @property
    def address(self) -> str:
        """Where it is, for log lines (no password)."""
        if self.is_maildir:
            return f"maildir://{self.path}"
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclass(frozen=True)
class MailboxesParsed:
    mailboxes: tuple[MailboxSettings, ...]
    errors: tuple[str, ...]


def variable(name: str, suffix: str) -> str:
    return f"CALSREG_MAILBOX_{name.upper()}_{suffix}"


def mailboxes_parse(environ: Mapping[str, str]) -> MailboxesParsed:
    """Every mailbox named in ``CALSREG_MAILBOXES``, and the problems found (each naming its variable).
    A mailbox with a problem is left out of ``mailboxes``."""
    names = [part.strip() for part in environ.get("CALSREG_MAILBOXES", "").split(",") if part.strip()]
    mailboxes: list[MailboxSettings] = []
    errors: list[str] = []
    for name in names:
        if not NAME.match(name) or names.count(name) > 1:
            errors.append(f"CALSREG_MAILBOXES: {name!r} is not a lower-case name (a-z, 0-9, _) used once")
            continue
        problems: list[str] = []
        parsed = _mailbox_parse(name, environ, problems)
        errors.extend(problems)
        if parsed is not None and not problems:
            mailboxes.append(parsed)
    return MailboxesParsed(mailboxes=tuple(mailboxes), errors=tuple(errors))


def _mailbox_parse(name: str, environ: Mapping[str, str], problems: list[str]) -> MailboxSettings | None:
    url_variable = variable(name, "URL")
    url = environ.get(url_variable, "").strip()
    if not url:
        problems.append(f"{url_variable} is not set (imaps://user@host:993/INBOX or maildir:///path)")
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        problems.append(f"{url_variable} is not a URL")
        return None
    scheme = SCHEMES.get(parts.scheme)
    if scheme is None:
        problems.append(f"{url_variable}: the scheme must be imaps, imap+starttls, imap or maildir")
        return None
    processed = environ.get(variable(name, "PROCESSED_FOLDER"), "").strip() or PROCESSED_FOLDER_DEFAULT
    ca_file = _ca_file(name, environ, problems)
    if parts.password is not None:
        # Never echo the URL: it holds a password.
        problems.append(f"{url_variable} holds a password; put it in {variable(name, 'PASSWORD_FILE')}")
        return None
    if scheme == "maildir":
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/"):
            problems.append(f"{url_variable}: a maildir is written maildir:///absolute/path")
            return None
        return MailboxSettings(name=name, scheme=scheme, path=path, processed_folder=processed)
    host = parts.hostname or ""
    user = unquote(parts.username or "")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if not host or not user:
        problems.append(f"{url_variable}: the URL names no host or no user (imaps://user@host/INBOX)")
        return None
    if scheme == "imap" and not _is_loopback(host):
        problems.append(
            f"{url_variable}: plain imap:// is only for this machine (127.0.0.1); use imaps:// or imap+starttls://"
        )
        return None
    password = _password(name, environ, problems)
    return MailboxSettings(
        name=name,
        scheme=scheme,
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        user=user,
        folder=folder,
        processed_folder=processed,
        ca_file=ca_file,
        password=password,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _password(name: str, environ: Mapping[str, str], problems: list[str]) -> str:
    direct = environ.get(variable(name, "PASSWORD"), "")
    file_variable = variable(name, "PASSWORD_FILE")
    path = environ.get(file_variable, "").strip()
    if direct and path:
        problems.append(f"{variable(name, 'PASSWORD')} and {file_variable} are both set; keep one")
        return ""
    if path:
        try:
            # One line; the newline an editor adds is not part of the password.
            return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            problems.append(f"{file_variable}: cannot read {path} ({exc.strerror})")
            return ""
    if not direct:
        problems.append(f"{variable(name, 'PASSWORD')} or {file_variable} must be set")
    return direct


def _ca_file(name: str, environ: Mapping[str, str], problems: list[str]) -> str:
    ca_variable = variable(name, "CA_FILE")
    path = environ.get(ca_variable, "").strip()
    if path and not Path(path).is_file():
        problems.append(f"{ca_variable}: {path} is not a readable file")
        return ""
    return path


def mailbox_settings(name: str) -> MailboxSettings:
    """The configured mailbox ``name`` (``settings.MAILBOXES``); LookupError names the known ones."""
    from django.conf import settings

    for mailbox in settings.MAILBOXES:
        if mailbox.name == name:
            return mailbox
    known = ", ".join(mailbox.name for mailbox in settings.MAILBOXES) or "none"
    raise LookupError(f"no mailbox named {name!r} is configured (CALSREG_MAILBOXES: {known})")
