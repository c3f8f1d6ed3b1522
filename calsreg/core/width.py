"""Width and kana normalisation for Japanese input.

Users paste full-width digits and letters and trailing ideographic spaces (U+3000). What is safe to
normalise is normalised (NFKC for half-width fields), and the caller is told what changed so it can
be shown back to the user.
"""

from __future__ import annotations

import re
import unicodedata

IDEOGRAPHIC_SPACE = "\u3000"
_KATAKANA_RE = re.compile(r"^[\u30a0-\u30ff\u3000 ・ー－\-（）()]+$")
_HALF_KATAKANA_RE = re.compile(r"[\uff61-\uff9f]")
_HIRAGANA_RE = re.compile(r"[\u3041-\u3096]")


def strip_spaces(value: str) -> str:
    """Remove leading/trailing ASCII and ideographic spaces."""
    return value.strip(" \t\r\n" + IDEOGRAPHIC_SPACE)


def to_half_width(value: str) -> str:
    """NFKC: full-width ASCII letters, digits and symbols become half-width (ｔａｎａｋａ → tanaka)."""
    return strip_spaces(unicodedata.normalize("NFKC", value))


def to_full_width_kana(value: str) -> str:
    """Half-width katakana (ｶﾅ) becomes full-width (カナ); hiragana becomes katakana.

    NFKC is applied only to half-width katakana so that other characters keep their width.
    """
    value = _HALF_KATAKANA_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), value)
    # NFKC of a voiced half-width sequence yields a base + combining mark; compose it.
    value = unicodedata.normalize("NFC", value)
    value = _HIRAGANA_RE.sub(lambda m: chr(ord(m.group(0)) + 0x60), value)
    return strip_spaces(value)


def is_katakana(value: str) -> bool:
    """Full-width katakana with spaces, the middle dot and the long-vowel mark allowed."""
    return bool(_KATAKANA_RE.match(value))
