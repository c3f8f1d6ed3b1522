"""What an irreversible action will do, shown before it is done, and refused if that went stale.

A ``*_preview`` service computes its plan with the same code the action runs, writing nothing. The
plan travels back with the confirmation as a ``seal`` (signed, so the browser can carry planned
values such as account IDs without choosing them) or a ``fingerprint`` (a keyed digest of what
was shown). The action recomputes its plan under its locks and raises ``PreviewStale`` when it
differs: numbers and IDs cannot be reserved while an operator reads, so the operator sees the new
plan instead of an outcome other than the one confirmed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from calsreg.core.errors import Conflict

_SALT = "calsreg.preview"


class PreviewStale(Conflict):
    """The data changed since the preview the operator confirmed; nothing was done."""

    code = "preview_stale"

    def __init__(self, message: Any = "", **context: Any) -> None:
        super().__init__(
            message
            or _(
                "確認画面を表示した後に内容が変わりました。何も実行していません。新しい内容を確認してください。"
            ),
            **context,
        )


def _canonical(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def fingerprint(payload: Any) -> str:
    """A keyed digest of ``payload`` (JSON-able): equal plans give equal fingerprints."""
    key = f"{_SALT}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()[:32]


def fingerprint_check(*, expected: str | None, payload: Any) -> None:
    """Raise ``PreviewStale`` unless ``expected`` (when given) is the fingerprint of ``payload``."""
    if expected is not None and not hmac.compare_digest(expected, fingerprint(payload)):
        raise PreviewStale()


def seal(*, kind: str, payload: Any) -> str:
    """``payload`` signed for the browser to post back unchanged."""
    return signing.dumps(payload, salt=f"{_SALT}.{kind}", compress=True)


def unseal(*, kind: str, token: str) -> Any:
    """The payload of a ``seal``; ``PreviewStale`` for a token altered or made for another kind."""
    try:
        return signing.loads(token, salt=f"{_SALT}.{kind}")
    except signing.BadSignature as bad:
        raise PreviewStale() from bad
