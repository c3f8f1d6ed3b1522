"""The one reader of a month (``YYYY-MM``) or a day (``YYYY-MM-DD``) typed by a person: a desk form,
an API query, a command-line option.

``date(int(y), int(m), 1)`` or ``strptime`` on raw input raises ``ValueError`` on ``0000-01`` or
``2026-13``; left uncaught that is a 500. Everything typed goes through here instead and comes back
as a ``ValidationFailed`` naming the field. Whether a well-formed month or day makes sense (a billing
run for 9999-12, a start of use after the construction period) is the owning service's rule.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Callable
from datetime import date

from django.utils.translation import gettext as _

from calsreg.core.errors import FieldError, ValidationFailed

_MONTH_RE = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_DAY_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_SHOWN_LENGTH = 20  # a refused value is echoed back, but never a whole pasted paragraph


def month_parse(text: str, *, field: str, label: str) -> date:
    """The first day of the month ``text`` names (``2026-12``, also full-width or ``2026/12``).

    Raises ``ValidationFailed`` on anything else, including months that do not exist (``0000-01``,
    ``2026-13``).
    """
    parts = _match(_MONTH_RE, text)
    try:
        if parts is None:
            raise ValueError(text)
        return date(parts[0], parts[1], 1)
    except ValueError:
        raise _refusal(
            field=field,
            label=label,
            message=_(
                "「%(value)s」は年月として読めません。YYYY-MM の形（例: 2026-12、月は01〜12）で入力してください。"
            ),
            text=text,
        ) from None


def day_parse(text: str, *, field: str, label: str) -> date:
    """The day ``text`` names (``2026-12-01``, also full-width or ``2026/12/01``); raises
    ``ValidationFailed`` on anything else, including days that do not exist (``2026-02-30``)."""
    parts = _match(_DAY_RE, text)
    try:
        if parts is None:
            raise ValueError(text)
        return date(parts[0], parts[1], parts[2])
    except ValueError:
        raise _refusal(
            field=field,
            label=label,
            message=_(
                "「%(value)s」は日付として読めません。YYYY-MM-DD の形（例: 2026-12-01）で入力してください。"
            ),
            text=text,
        ) from None


def month_argument(text: str) -> date:
    """``type=`` of a command's month option: argparse reports the refusal as a usage error."""
    return _as_argument(month_parse, text)


def day_argument(text: str) -> date:
    """``type=`` of a command's day option: argparse reports the refusal as a usage error."""
    return _as_argument(day_parse, text)


def _as_argument(parse: Callable[..., date], text: str) -> date:
    try:
        return parse(text, field="argument", label=_("日付"))
    except ValidationFailed as refusal:
        raise argparse.ArgumentTypeError(refusal.errors[0].message) from None


def _match(pattern: re.Pattern[str], text: str) -> list[int] | None:
    match = pattern.match(unicodedata.normalize("NFKC", text or "").strip())
    return [int(part) for part in match.groups()] if match else None


def _refusal(*, field: str, label: str, message: str, text: str) -> ValidationFailed:
    shown = (text or "").strip()
    if len(shown) > _SHOWN_LENGTH:
        shown = shown[:_SHOWN_LENGTH] + "…"
    return ValidationFailed(errors=[FieldError(field=field, label=label, message=message % {"value": shown})])
