from calsreg.core.width import is_katakana, strip_spaces, to_full_width_kana, to_half_width


def test_full_width_letters_and_digits_become_half_width():
    assert to_half_width("ｔａｎａｋａ１２") == "tanaka12"


def test_trailing_ideographic_space_is_removed():
    assert strip_spaces("田中　") == "田中"
    assert to_half_width("０２５－２８５－５５１１\u3000") == "025-285-5511"


def test_half_width_kana_becomes_full_width_with_voiced_marks_composed():
    assert to_full_width_kana("ｶﾞｯｺｳ ｹﾝｾﾂ") == "ガッコウ ケンセツ"


def test_hiragana_becomes_katakana():
    assert to_full_width_kana("たなか いちろう") == "タナカ イチロウ"


def test_katakana_check_accepts_long_vowel_and_middle_dot_and_refuses_kanji():
    assert is_katakana("スーパー・ケンセツ")
    assert not is_katakana("田中")
    assert not is_katakana("tanaka")
