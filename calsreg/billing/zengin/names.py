"""Normalisation of payer names for matching a transfer to the company that was invoiced.

A bank transmits the payer's name in half-width katakana, abbreviated by the Zengin rules: legal forms
become short tokens before or after the name (ｶ)ｴﾁｺﾞｹﾝｾﾂ = 株式会社越後建設, ｴﾁｺﾞｹﾝｾﾂ(ｶ = 越後建設株式会社),
small kana are written large (ｷﾔﾉﾝ for キャノン), and the long-vowel mark may come as a hyphen. The
application records the company's furigana in full-width katakana with the legal form spelt out
(カブシキガイシャ エチゴケンセツ). Both sides are brought to one key: full-width katakana, small kana
made large, no spaces or punctuation, no legal-form token.
"""

from __future__ import annotations

import re
import unicodedata

# Legal forms and their Zengin abbreviations (全銀協 略語表), longest first so that ｼﾔ wins over ｼ.
LEGAL_FORM_ABBREVIATIONS = (
    "トクヒ",  # 特定非営利活動法人
    "シユウ",  # 宗教法人
    "ザイ",  # (一般・公益) 財団法人
    "シヤ",  # (一般・公益) 社団法人
    "ガク",  # 学校法人
    "フク",  # 社会福祉法人
    "カ",  # 株式会社
    "ユ",  # 有限会社
    "ド",  # 合同会社
    "メ",  # 合名会社
    "シ",  # 合資会社
    "イ",  # 医療法人
    "ソ",  # 相互会社
)
LEGAL_FORMS_SPELT = (
    "カブシキガイシヤ",
    "カブシキカイシヤ",
    "ユウゲンガイシヤ",
    "ユウゲンカイシヤ",
    "ゴウドウガイシヤ",
    "ゴウドウカイシヤ",
    "ゴウメイガイシヤ",
    "ゴウシガイシヤ",
    "イリヨウホウジン",
    "イツパンシヤダンホウジン",
    "イツパンザイダンホウジン",
    "シヤダンホウジン",
    "ザイダンホウジン",
)
_SMALL_TO_LARGE = str.maketrans("ァィゥェォャュョッヮヵヶ", "アイウエオヤユヨツワカケ")
_LONG_VOWEL_LIKE = str.maketrans({"-": "ー", "‐": "ー", "−": "ー", "―": "ー", "ｰ": "ー"})
_HIRAGANA_RE = re.compile(r"[\u3041-\u3096]")
_ABBREVIATION = "|".join(LEGAL_FORM_ABBREVIATIONS)
_TOKEN_RES = (
    re.compile(rf"\((?:{_ABBREVIATION})\)"),  # (ｶ) anywhere
    re.compile(rf"^(?:{_ABBREVIATION})\)"),  # ｶ) before the name
    re.compile(rf"\((?:{_ABBREVIATION})$"),  # (ｶ after the name
    re.compile(rf"^(?:{'|'.join(LEGAL_FORMS_SPELT)})"),
    re.compile(rf"(?:{'|'.join(LEGAL_FORMS_SPELT)})$"),
)
_DROPPED_RE = re.compile(r"[\s・.,、。'\"「」()/\\]")


def normalise_payer_name(value: str) -> str:
    """The matching key of a payer name (see the module docstring). ``""`` stays ``""``."""
    # NFKC turns half-width kana into full-width (composing voiced marks), full-width letters,
    # digits, parentheses and spaces into ASCII; it leaves full-width katakana as they are.
    text = unicodedata.normalize("NFKC", value).upper().translate(_LONG_VOWEL_LIKE)
    text = _HIRAGANA_RE.sub(lambda match: chr(ord(match.group(0)) + 0x60), text)
    text = text.translate(_SMALL_TO_LARGE)
    text = re.sub(r"\s+", "", text)
    for pattern in _TOKEN_RES:
        text = pattern.sub("", text)
    return _DROPPED_RE.sub("", text)
