"""The webhook's body and signature: what the sender computes and a receiver checks (docs/events.md).

``X-Calsreg-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``, the timestamp being
``X-Calsreg-Timestamp`` (Unix seconds). Signing the timestamp with the body lets a receiver refuse a
replayed request older than a few minutes. While a rotated secret's overlap lasts the header holds
one signature per secret, new first, comma-separated (``v1=<new>,v1=<old>``): a receiver accepts
the request if any of them verifies with the secret it has.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

EVENT_ID_HEADER = "X-Calsreg-Event-Id"
TIMESTAMP_HEADER = "X-Calsreg-Timestamp"
SIGNATURE_HEADER = "X-Calsreg-Signature"
SIGNATURE_VERSION = "v1"


def body_encode(envelope: dict[str, Any]) -> bytes:
    """The exact bytes sent (UTF-8 JSON, keys sorted): the signature covers these bytes."""
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature_compute(*, secret: str, timestamp: int, body: bytes) -> str:
    """The header's value for ``body`` sent at ``timestamp``: ``v1=<hex>``."""
    signed = f"{timestamp}.".encode("ascii") + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signatures_compute(*, secrets: list[str], timestamp: int, body: bytes) -> str:
    """The header's value with one signature per secret, in the order given."""
    return ",".join(signature_compute(secret=secret, timestamp=timestamp, body=body) for secret in secrets)


def signature_valid(*, secret: str, timestamp: int, body: bytes, header: str) -> bool:
    """Whether ``header`` holds the signature of ``body`` at ``timestamp`` (compared in constant time)."""
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))
