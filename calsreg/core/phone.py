"""Japanese phone numbers and postcodes, parsed with ``phonenumbers`` (region JP), not a home-made regex."""

from __future__ import annotations

import re

import phonenumbers

from calsreg.core.width import to_half_width

_POSTCODE_RE = re.compile(r"^(\d{3})-?(\d{4})$")


def normalise_phone(raw: str) -> str | None:
    """Return the number in domestic format with hyphens (025-285-5511), or None if it is not a
    valid Japanese number. Full-width digits and hyphens are accepted."""
    text = to_half_width(raw).replace("ー", "-").replace("−", "-")
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 81 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def normalise_postcode(raw: str) -> str | None:
    """123-4567 from 1234567 / １２３－４５６７ / 〒123-4567; None if not 7 digits."""
    text = to_half_width(raw).replace("〒", "").replace("−", "-").replace("ー", "-").strip()
    match = _POSTCODE_RE.match(text)
    if not match:
        return None
    return f"{match.group(1)}-{match.group(2)}"
