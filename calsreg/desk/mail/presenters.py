"""A failed mail's last error in words a help-desk operator can act on; the raw text stays beside it.

The sender records ``"<ExceptionClass>: <message>"`` (notifications.tasks); the SMTP reply code in
the message (550, 451, …) says whether the recipient's server refused for good or only for now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

_CODE_RE = re.compile(r"(?<!\d)([45]\d\d)(?!\d)")
_NO_CONNECTION = frozenset(
    {
        "SMTPConnectError",
        "SMTPServerDisconnected",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "ConnectionAbortedError",
        "ConnectionError",
        "gaierror",
        "OSError",
    }
)
_TIMEOUT = frozenset({"TimeoutError", "timeout", "SocketTimeout"})


@dataclass(frozen=True)
class MailErrorShown:
    """``summary`` (Japanese, short) for the list; ``raw`` for the <details> under it."""

    summary: str
    raw: str


def mail_error_explained(last_error: str) -> MailErrorShown | None:
    """The explanation of a delivery's ``last_error``; None when there is no error."""
    raw = (last_error or "").strip()
    if not raw:
        return None
    kind = raw.split(":", 1)[0].strip().rsplit(".", 1)[-1]
    # Only smtplib's errors carry a reply code; elsewhere a 4xx/5xx number is a port or an errno.
    match = _CODE_RE.search(raw.split(":", 1)[1] if ":" in raw else "") if kind.startswith("SMTP") else None
    code = match.group(1) if match else ""
    return MailErrorShown(summary=_summary(kind=kind, code=code), raw=raw)


def _summary(*, kind: str, code: str) -> str:
    if kind == "SMTPRecipientsRefused":
        text = _("宛先のメールサーバーが受け取りを拒否しました")
    elif kind == "SMTPSenderRefused":
        text = _("メールサーバーが差出人のアドレスを拒否しました")
    elif kind == "SMTPAuthenticationError":
        return _("メールサーバーへのログインに失敗しました（送信の設定を確認してください）")
    elif kind in _TIMEOUT:
        return _("メールサーバーが時間内に応答しませんでした")
    elif kind in _NO_CONNECTION:
        return _("メールサーバーに接続できません")
    elif code.startswith("4"):
        return _("メールサーバーが一時的に受け取れませんでした（%(code)s）。時間をおいて再送してください") % {
            "code": code
        }
    elif code.startswith("5"):
        text = _("メールサーバーがこのメールを拒否しました")
    else:
        return _("送信できませんでした（詳しくは下の記録を見てください）")
    return _("%(text)s（%(code)s）") % {"text": text, "code": code} if code else text
