"""The one text cleaner: characters refused in every field of every channel.

Web forms, workbooks, the API, the desk's forms, the directory CSV and the billing inputs all call
``text_refusal`` (or a wrapper of it) on every text value. A refused character is never stripped
silently: the person is told which field holds it and types the value again.

Refused everywhere:
- C0 controls (U+0000–U+001F, NUL included: PostgreSQL cannot store it) and DEL (U+007F), except
  tab and line breaks in a multi-line field;
- C1 controls (U+0080–U+009F; NEL U+0085 is a line break to some programs);
- the line and paragraph separators U+2028/U+2029 (line breaks most programs do not show);
- the bidi controls, i.e. the Unicode ``Bidi_Control`` set: U+061C, U+200E, U+200F, U+202A–U+202E,
  U+2066–U+2069. Overrides and isolates display text in another order than it is stored
  (``txt.exe`` shown as ``exe.txt``). The marks U+200E/U+200F/U+061C are refused too: Japanese text
  never needs them, and, invisible, they make two equal-looking names or numbers differ;
- lone surrogates (U+D800–U+DFFF): only a JSON ``"\\ud800"`` escape produces one, and it cannot be
  encoded as UTF-8, so it could be neither stored nor shown.

Refused in a one-line field only: tab, CR and LF. Other invisible characters (zero-width space,
joiners used by emoji, the BOM) change nothing about how text is read and are left to each field's
own rules (a phone number or an e-mail address refuses them anyway).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

_LINE_BREAKS = "\n\r"
_TAB = "\t"
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Every refused character (tab and line breaks included); multi-line fields allow those three.
_REFUSED_RE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")
_REFUSED_MULTILINE_RE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")


class Refusal(StrEnum):
    CONTROL = "control"
    LINE_BREAK = "line_break"
    TAB = "tab"
    BIDI = "bidi"
    SURROGATE = "surrogate"


@dataclass(frozen=True)
class RefusedCharacter:
    """The first refused character of a value: what kind, which character, where (1-based)."""

    kind: Refusal
    char: str
    position: int

    @property
    def code(self) -> str:
        return f"U+{ord(self.char):04X}"


def refused_character(text: str, *, multiline: bool = False) -> RefusedCharacter | None:
    """The first character of ``text`` the field may not hold, or None when the text is clean."""
    match = (_REFUSED_MULTILINE_RE if multiline else _REFUSED_RE).search(text)
    if match is None:
        return None
    char = match.group(0)
    return RefusedCharacter(kind=_kind(char), char=char, position=match.start() + 1)


def _kind(char: str) -> Refusal:
    if "\ud800" <= char <= "\udfff":
        return Refusal.SURROGATE
    if char in _BIDI:
        return Refusal.BIDI
    if char in _LINE_BREAKS:
        return Refusal.LINE_BREAK
    if char == _TAB:
        return Refusal.TAB
    return Refusal.CONTROL


def refusal_message(found: RefusedCharacter, *, label: str) -> str:
    """The message naming the field, the character and what to do (Japanese, translated)."""
    params = {"label": label, "code": found.code, "position": found.position}
    if found.kind == Refusal.LINE_BREAK:
        return (
            _("「%(label)s」の%(position)s文字目に改行があります。改行を消して1行で入力してください。")
            % params
        )
    if found.kind == Refusal.TAB:
        return (
            _("「%(label)s」の%(position)s文字目にタブ文字があります。タブを消して入力し直してください。")
            % params
        )
    if found.kind == Refusal.BIDI:
        return (
            _(
                "「%(label)s」の%(position)s文字目に、文字の表示順を変える制御文字（%(code)s）があります。"
                "表示と中身が食い違うため使えません。その文字を消して入力し直してください。"
            )
            % params
        )
    if found.kind == Refusal.SURROGATE:
        return (
            _(
                "「%(label)s」の%(position)s文字目に、文字として読めないデータ（%(code)s）があります。"
                "正しい文字で入力し直してください。"
            )
            % params
        )
    return (
        _(
            "「%(label)s」の%(position)s文字目に、使えない制御文字（%(code)s）があります。"
            "他のソフトからコピーした文字に含まれていることがあります。その文字を消して入力し直してください。"
        )
        % params
    )


def text_refusal(text: str, *, label: str, multiline: bool = False) -> str | None:
    """The refusal message for ``text`` in the field ``label``, or None when it may be stored."""
    found = refused_character(text, multiline=multiline)
    return None if found is None else refusal_message(found, label=label)


def shown(text: str) -> str:
    """``text`` safe to show or log: each refused character (tab and line breaks too) as ``U+XXXX``."""
    return _REFUSED_RE.sub(lambda match: f"U+{ord(match.group(0)):04X}", text)
