"""Japanese phone numbers and postcodes, parsed with ``phonenumbers`` (region JP), not a home-made regex."""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext as _

from calsreg.core.width import to_half_width

_POSTCODE_RE = re.compile(r"^(\d{3})-?(\d{4})$")
# What a phone number may be written with: digits, hyphens, spaces, brackets and a leading "+".
# ``phonenumbers`` would read letters as keypad digits (0254-ab-cdef → 0254-22-2333); a number on
# file is what the help desk calls back to verify a person, so a number is taken only as typed.
_PHONE_TEXT_RE = re.compile(r"^\+?[0-9\-\s()]+$")
_LETTER_RE = re.compile(r"[^\W\d_]")
_DASHES = str.maketrans({"ー": "-", "−": "-", "‐": "-", "‑": "-", "–": "-", "—": "-", "―": "-"})


def _phone_text(raw: str) -> str:
    return to_half_width(raw).translate(_DASHES)


def normalise_phone(raw: str) -> str | None:
    """Return the number in domestic format with hyphens (025-285-5511), or None if it is not a
    valid Japanese number written with digits. Full-width digits and hyphens are accepted; letters
    (keypad words) are not."""
    text = _phone_text(raw)
    if not _PHONE_TEXT_RE.match(text):
        return None
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 81 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_has_letters(raw: str) -> bool:
    """Whether ``raw`` holds letters (ＡＢＣ, abc, かな, 漢字), so the message can say so."""
    return bool(_LETTER_RE.search(_phone_text(raw)))


def phone_letters_message(*, label: str) -> str:
    return _(
        "「%(label)s」に文字が含まれています。電話番号は数字とハイフンだけで入力してください"
        "（例: 025-285-5511）。"
    ) % {"label": label}


def normalise_postcode(raw: str) -> str | None:
    """123-4567 from 1234567 / １２３－４５６７ / 〒123-4567; None if not 7 digits."""
    text = to_half_width(raw).replace("〒", "").replace("−", "-").replace("ー", "-").strip()
    match = _POSTCODE_RE.match(text)
    if not match:
        return None
    return f"{match.group(1)}-{match.group(2)}"
