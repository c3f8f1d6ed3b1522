"""The one text cleaner: which characters every field refuses, and what the message says."""

import pytest

from calsreg.core.phone import normalise_phone, phone_has_letters
from calsreg.core.text import Refusal, refused_character, shown, text_refusal

REFUSED_EVERYWHERE = [
    ("\x00", Refusal.CONTROL),
    ("\x1b", Refusal.CONTROL),
    ("\x7f", Refusal.CONTROL),
    ("\x85", Refusal.CONTROL),
    ("\x9f", Refusal.CONTROL),
    ("\u2028", Refusal.CONTROL),
    ("\u202e", Refusal.BIDI),
    ("\u202a", Refusal.BIDI),
    ("\u2066", Refusal.BIDI),
    ("\u2069", Refusal.BIDI),
    ("\u200e", Refusal.BIDI),
    ("\u200f", Refusal.BIDI),
    ("\u061c", Refusal.BIDI),
    ("\ud800", Refusal.SURROGATE),
    ("\udfff", Refusal.SURROGATE),
]


@pytest.mark.parametrize(("char", "kind"), REFUSED_EVERYWHERE)
def test_a_refused_character_is_found_in_one_line_and_multi_line_fields(char, kind):
    text = f"越後{char}建設"

    for multiline in (False, True):
        found = refused_character(text, multiline=multiline)

        assert found is not None
        assert (found.kind, found.char, found.position) == (kind, char, 3)


@pytest.mark.parametrize(
    ("char", "kind"), [("\n", Refusal.LINE_BREAK), ("\r", Refusal.LINE_BREAK), ("\t", Refusal.TAB)]
)
def test_line_breaks_and_tabs_are_refused_in_one_line_fields_only(char, kind):
    text = f"一行目{char}二行目"

    found = refused_character(text)

    assert found is not None and (found.kind, found.position) == (kind, 4)
    assert refused_character(text, multiline=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "株式会社越後建設",
        "ｶﾌﾞｼｷｶﾞｲｼｬ　ＡＢＣ　１２３",
        "髙橋 﨑子",
        "tanaka+cals@example.co.jp",
        "家族👨\u200d👩\u200d👧",  # joiners of an emoji are not bidi controls
        "",
    ],
)
def test_ordinary_japanese_and_latin_text_is_clean(text):
    assert refused_character(text) is None


def test_the_message_names_the_field_the_character_and_what_to_do():
    assert text_refusal("A\u202eB", label="工事名") == (
        "「工事名」の2文字目に、文字の表示順を変える制御文字（U+202E）があります。"
        "表示と中身が食い違うため使えません。その文字を消して入力し直してください。"
    )
    assert text_refusal("越後\x00", label="会社名") == (
        "「会社名」の3文字目に、使えない制御文字（U+0000）があります。"
        "他のソフトからコピーした文字に含まれていることがあります。その文字を消して入力し直してください。"
    )
    assert text_refusal("越後\n建設", label="会社名") == (
        "「会社名」の3文字目に改行があります。改行を消して1行で入力してください。"
    )
    assert text_refusal("\ud800", label="氏名") == (
        "「氏名」の1文字目に、文字として読めないデータ（U+D800）があります。正しい文字で入力し直してください。"
    )
    assert text_refusal("理由\n二行目", label="理由", multiline=True) is None


def test_shown_writes_refused_characters_as_code_points_so_they_can_be_encoded():
    assert shown("a\ud800b\x00c\u202e") == "aU+D800bU+0000cU+202E"
    assert shown("a\ud800").encode("utf-8") == b"aU+D800"


def test_a_phone_number_with_letters_is_not_read_as_keypad_digits():
    assert normalise_phone("0254-ab-cdef") is None
    assert normalise_phone("0120-ＣＡＬＳ-11") is None
    assert phone_has_letters("0254-ab-cdef")
    assert phone_has_letters("025-285-5511 内線12")
    assert not phone_has_letters("０２５－２８５－５５１１")
    assert normalise_phone("025‐285‐5511") == "025-285-5511"
