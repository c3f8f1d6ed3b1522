"""Optional error reporting to Sentry (or any service speaking its protocol), on when
``CALSREG_SENTRY_DSN`` is set.

Nothing personal leaves: ``send_default_pii`` off (no user, cookies or client address), no local
variables of the failing frames (a password may sit in one), no breadcrumbs (they quote SQL
parameters and log lines), and ``scrub_event`` keeps of the request only its method and its path —
no body, query string, cookies or headers — and masks e-mail addresses left in any message.
"""

from __future__ import annotations

import re
from typing import Any, cast

import sentry_sdk
from sentry_sdk.types import Event, Hint

_EMAIL = re.compile(r"[^\s@'\"<>()\[\],;:]+@[^\s@'\"<>()\[\],;:]+")
MASK = "[メールアドレス]"
_REQUEST_KEPT = ("method", "url")


def sentry_init(*, dsn: str, environment: str, release: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        send_default_pii=False,
        include_local_variables=False,
        max_breadcrumbs=0,
        before_send=scrub_event,
    )


def scrub_event(sent: Event, hint: Hint) -> Event:
    event = cast(dict[str, Any], sent)
    request = event.get("request")
    if isinstance(request, dict):
        kept = {key: request[key] for key in _REQUEST_KEPT if key in request}
        if "url" in kept:
            kept["url"] = str(kept["url"]).split("?", 1)[0]
        event["request"] = kept
    event.pop("user", None)
    event.pop("breadcrumbs", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = _mask(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        for key in ("message", "formatted"):
            if isinstance(logentry.get(key), str):
                logentry[key] = _mask(logentry[key])
        logentry.pop("params", None)
    if isinstance(event.get("message"), str):
        event["message"] = _mask(event["message"])
    return sent


def _mask(text: str) -> str:
    return _EMAIL.sub(MASK, text)
