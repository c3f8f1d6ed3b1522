"""Search keys: one normal form of a name, kana, e-mail or phone number, computed the same way on the
stored side (a generated column, so the database keeps it current on every write, bulk writes
included) and on the query side (what the operator typed).

What the database can do is kept to ``REPLACE``/``LOWER`` (immutable on PostgreSQL and SQLite, so
the column can be generated and indexed): stored values are already in their canonical width
(validation turns kana into full-width katakana and phone numbers into ``025-285-5511``), so the
column only has to drop spaces, hyphens and brackets. Everything that needs Unicode tables (NFKC,
hiragana → katakana) is done on the query in Python.

The one key computed in Python on the stored side too is the *search text* (``search_text``): the
fields a free-text filter looks into, each NFKC-normalised, kana folded to full-width katakana and
lower-cased, joined by a separator no query can contain. ``core.text_search`` keeps it on the row and
indexes its bigrams, so a part of a name is found whatever its width or kana (ｺﾞｶﾞﾝ, ごがん, ゴガン).
"""

from __future__ import annotations

import re
import unicodedata

from django.db import models
from django.db.models.functions import Lower, Replace

from calsreg.core.width import to_full_width_kana

_SPACES = (" ", "\u3000")
_PHONE_MARKS = ("-", " ", "(", ")")
# Legal-form words a company name is written before or after (前株・後株): a search for 越後建設
# finds 株式会社越後建設 and 越後建設株式会社 alike.
_COMPANY_FORMS = ("株式会社", "有限会社", "合同会社")
_NOT_DIGIT_RE = re.compile(r"\D")


def _without(expression: models.Expression | models.F, parts: tuple[str, ...]) -> models.Func:
    for part in parts:
        expression = Replace(expression, models.Value(part), models.Value(""))
    return expression  # type: ignore[return-value]


def _generated(expression: models.Expression, *, max_length: int) -> models.GeneratedField:
    return models.GeneratedField(
        expression=expression,
        output_field=models.CharField(max_length=max_length),
        db_persist=True,
        db_index=True,
        editable=False,
    )


def name_key_field(field: str, *, max_length: int = 100) -> models.GeneratedField:
    """A person's name or kana without spaces (小林　太郎 → 小林太郎)."""
    return _generated(_without(models.F(field), _SPACES), max_length=max_length)


def company_key_field(field: str, *, max_length: int = 100) -> models.GeneratedField:
    """A company name without spaces and without its legal form."""
    return _generated(_without(models.F(field), (*_COMPANY_FORMS, *_SPACES)), max_length=max_length)


def email_key_field(field: str) -> models.GeneratedField:
    return _generated(Lower(models.F(field)), max_length=254)


def phone_key_field(field: str) -> models.GeneratedField:
    """The digits of a phone number (025-285-5511 → 0252855511)."""
    return _generated(_without(models.F(field), _PHONE_MARKS), max_length=20)


# Joins the fields of a search text: a unit separator, never in a query (``search_text_key`` turns
# it into a space), so a part never matches across two fields.
SEARCH_TEXT_SEPARATOR = "\x1f"
_HIRAGANA_RE = re.compile(r"[\u3041-\u3096\u309d\u309e]")


def _folded(value: str) -> str:
    """NFKC (full-width ASCII → half-width, half-width kana → full-width), hiragana → katakana, lower case."""
    text = unicodedata.normalize("NFKC", value)
    text = _HIRAGANA_RE.sub(lambda m: chr(ord(m.group(0)) + 0x60), text)
    return text.lower().replace(SEARCH_TEXT_SEPARATOR, " ")


def search_text(*values: str) -> str:
    """The stored search text of a row: its searched fields, each folded, joined by the separator."""
    return SEARCH_TEXT_SEPARATOR.join(_folded(value or "") for value in values)


def search_text_key(raw: str) -> str:
    """What was typed, folded as ``search_text`` folds a field, trimmed; "" for nothing to look for."""
    return _folded(raw).strip()


def query_text(raw: str) -> str:
    """What was typed, NFKC-normalised (full-width letters and digits → half-width), trimmed."""
    return unicodedata.normalize("NFKC", raw).strip()


def query_name_key(raw: str) -> str:
    """A name as the generated columns hold it: NFKC (half-width kana → full-width), no spaces."""
    text = unicodedata.normalize("NFKC", raw)
    for space in _SPACES:
        text = text.replace(space, "")
    return text


def query_kana_key(raw: str) -> str:
    """A kana reading as the generated columns hold it: hiragana and half-width kana as full-width
    katakana (こばやし, ｺﾊﾞﾔｼ → コバヤシ), no spaces."""
    return query_name_key(to_full_width_kana(query_name_key(raw)))


def query_company_key(raw: str) -> str:
    text = query_name_key(raw)
    for form in _COMPANY_FORMS:
        text = text.replace(form, "")
    return text


def query_email_key(raw: str) -> str:
    return query_text(raw).lower()


def query_phone_digits(raw: str) -> str:
    """The digits of what was typed, or "" when it is not written like a phone number (letters)."""
    text = query_text(raw)
    if not re.fullmatch(r"\+?[0-9\-\s()ー−‐]+", text):
        return ""
    return _NOT_DIGIT_RE.sub("", text)
