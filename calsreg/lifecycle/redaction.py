"""Finding and replacing a person's values inside free text and JSON. Pure; no database.

Personal values are copied into many places as the service runs: mail contexts, audit summaries,
the desk's notes, a change item's before/after. Erasing the source fields is not enough, so every
text and JSON column of the rows that belong to the purged subject is passed through a ``Redactor``
built from the values known for the people concerned.

Matching is deliberately lenient where the same value is written in several ways: names match
with or without the space between family and given name (half- or full-width), phone numbers with
or without separators, e-mail addresses in any case. Requested IDs (``tanaka``), being short, only
match as a whole word. Old account IDs are renamed (to the anonymised ID) rather than erased, so the
records still tell which account acted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from calsreg.core.redaction import ERASED, erase_all

__all__ = ["ERASED", "Redactor", "erase_all"]

# Keys under which the data of the purged rows holds a person's values; whatever such a key holds
# (a string, or a [before, after] pair) is erased wherever it appears in that JSON. Only rows of the
# purged subject are redacted, so a supervisor's name under "recipient_name" there goes too — the
# directory keeps it.
PERSONAL_KEYS = frozenset(
    {
        "applicant_name",
        "applicant_kana",
        "applicant_email",
        "applicant_phone",
        "contractor_representative",
        "requester_name",
        "requester_phone",
        "requester_email",
        "contact_name",
        "reply_from",
        # an account's contact details (accounts.contacts audits them as before/after) and mail contexts
        "display_name",
        "kana",
        "email",
        "phone",
        "recipient_name",
    }
)

_SPACES = r"[\s\u3000]*"
_PHONE_SEPARATOR = r"[-‐－―ー\s()（）]?"
_PHONE_SHAPE = re.compile(r"^[0-9０-９+＋()（）\-‐－―ー\s]+$")
_MIN_PHONE_DIGITS = 6
_MIN_VALUE_CHARS = 2
_MIN_IDENTIFIER_CHARS = 3


def _value_pattern(value: str) -> str | None:
    value = value.strip()
    compact = re.sub(r"[\s\u3000]+", "", value)
    if len(compact) < _MIN_VALUE_CHARS or value == ERASED:
        return None
    if _PHONE_SHAPE.match(value):
        digits = re.sub(r"\D", "", value)
        if len(digits) < _MIN_PHONE_DIGITS:
            return None
        return r"(?<!\d)" + _PHONE_SEPARATOR.join(digits) + r"(?!\d)"
    return _SPACES.join(re.escape(part) for part in value.split())


def _alternation(patterns: Iterable[tuple[str, int]]) -> re.Pattern[str] | None:
    """One regex of (pattern, length of the value it stands for) pairs, the longest value first: at
    one position the regex takes the first alternative that matches, so an e-mail address wins
    over the requested ID at its start."""
    unique = sorted(set(patterns), key=lambda item: (-item[1], item[0]))
    return re.compile("|".join(f"(?:{p})" for p, _ in unique), re.IGNORECASE) if unique else None


class Redactor:
    """Replaces the given values in text and (recursively) in JSON.

    ``values``: names, kana, e-mail addresses, phone numbers → ``ERASED``.
    ``identifiers``: requested IDs → ``ERASED`` when they stand as a whole word.
    ``renames``: old account ID → new (anonymised) account ID.
    """

    def __init__(
        self,
        *,
        values: Iterable[str],
        identifiers: Iterable[str] = (),
        renames: Mapping[str, str] | None = None,
    ) -> None:
        self._renames = {old.lower(): new for old, new in (renames or {}).items() if old}
        self._rename_re = _alternation(
            (r"(?<![a-z0-9.])" + re.escape(old) + r"(?![a-z0-9])", len(old)) for old in self._renames
        )
        value_patterns = [(p, len(v)) for v in values if v and (p := _value_pattern(v))]
        identifier_patterns = [
            (r"(?<![A-Za-z0-9])" + re.escape(i) + r"(?![A-Za-z0-9])", len(i))
            for i in identifiers
            if i and len(i) >= _MIN_IDENTIFIER_CHARS
        ]
        self._erase_re = _alternation([*value_patterns, *identifier_patterns])

    def text(self, value: str) -> str:
        if not value:
            return value
        if self._rename_re is not None:
            value = self._rename_re.sub(lambda m: self._renames[m.group(0).lower()], value)
        if self._erase_re is not None:
            value = self._erase_re.sub(ERASED, value)
        return value

    def json(self, value: Any) -> Any:
        """A copy of ``value`` with the values replaced in every string, key, and under PERSONAL_KEYS."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list | tuple):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            result: dict[Any, Any] = {}
            for key, item in value.items():
                if key in PERSONAL_KEYS and item not in (None, ""):
                    result[key] = erase_all(item)
                else:
                    result[self.text(key) if isinstance(key, str) else key] = self.json(item)
            return result
        return value


def strings_in(value: Any) -> set[str]:
    """Every non-empty string inside a JSON value (keys excluded)."""
    if isinstance(value, str):
        return {value} if value.strip() else set()
    if isinstance(value, list | tuple):
        return set().union(*(strings_in(item) for item in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(strings_in(item) for item in value.values())) if value else set()
    return set()


def personal_values_in(value: Any) -> set[str]:
    """The strings held under PERSONAL_KEYS anywhere in a JSON value (e.g. an audit's old values)."""
    found: set[str] = set()
    if isinstance(value, list | tuple):
        for item in value:
            found |= personal_values_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            found |= strings_in(item) if key in PERSONAL_KEYS else personal_values_in(item)
    return found
