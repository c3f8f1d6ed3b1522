"""What every app needs to erase personal data from its own rows (deletion requests, the retention
purge): the marker written in place of a value, and the interface of the scrubber the purge passes
around. The scrubber itself (``lifecycle.redaction.Redactor``) knows the values to find; each app
runs it over its own columns, so no app writes another's rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from django.db import models

ERASED = "（消去済み）"  # stored data, not translated: the same marker wherever a value was erased
ANONYMOUS_ID_PREFIX = "del"  # 削除: an anonymised requested ID is "del" + its row's number in base 36
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


class Scrubber(Protocol):
    """Replaces the personal values it knows in free text and (recursively) in JSON."""

    def text(self, value: str) -> str: ...

    def json(self, value: Any) -> Any: ...


def erased(value: str) -> str:
    """``ERASED`` for a value that was there, the empty value as it was."""
    return ERASED if value else value


def erase_all(value: Any) -> Any:
    """Every string inside ``value`` replaced by ERASED (structure, numbers and nulls kept)."""
    if isinstance(value, str):
        return ERASED if value else value
    if isinstance(value, list | tuple):
        return [erase_all(item) for item in value]
    if isinstance(value, dict):
        return {key: erase_all(item) for key, item in value.items()}
    return value


def anonymous_requested_part(pk: int) -> str:
    """``del`` + the row's number in base 36: 3–10 characters of [a-z0-9] below 36**7 rows. Takes the
    place of a requested ID (an account's, or the one asked for on the application)."""
    digits = ""
    while True:
        pk, rest = divmod(pk, 36)
        digits = _BASE36[rest] + digits
        if pk == 0:
            return f"{ANONYMOUS_ID_PREFIX}{digits}"


def save_changed(instance: models.Model, values: Mapping[str, Any]) -> int:
    """Set ``values`` on ``instance`` and save only the fields that differ; return 1 if any did."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)
    return 1 if changed else 0
