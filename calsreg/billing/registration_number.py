"""Qualified-invoice registration numbers (適格請求書発行事業者の登録番号): ``T`` + 13 digits.

For a corporation the 13 digits are its corporate number (法人番号), whose first digit is a check
digit over the other twelve (the 基礎番号). The formula is in 法人番号の指定等に関する省令
(平成二十六年財務省令第七十号) 第二条:

    check digit = 9 − ((Σ_{n=1..12} P_n × Q_n) mod 9)

where P_n is the n-th digit of the base number counted from its least significant (rightmost) digit
and Q_n is 1 for odd n and 2 for even n. (The printed ordinance puts the parentheses so that "mod 9"
seems to apply inside the sum; the result only stays a single digit with the sum taken first, as
the National Tax Agency's own number shows: 国税庁 = 7000012050002.)
Sole proprietors' registration numbers are assigned by the NTA with the same 13-digit shape and
check digit, so one rule validates both.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SHAPE = re.compile(r"^T[0-9]{13}$")


def corporate_number_check_digit(base: str) -> int:
    """The check digit for a 12-digit base number (法人番号の基礎番号)."""
    if not re.fullmatch(r"[0-9]{12}", base):
        raise ValueError("the base number must be 12 digits")
    total = sum(int(digit) * (1 if n % 2 else 2) for n, digit in enumerate(reversed(base), start=1))
    return 9 - total % 9


def registration_number_normalise(value: str) -> str:
    """Full-width input (Ｔ１２３…) and separators people type (T-1234-5678-9012-3) → ``T`` + 13 digits."""
    text = unicodedata.normalize("NFKC", value or "").strip().upper()
    return re.sub(r"[\s\-‐－ー]", "", text)


def registration_number_is_valid(value: str) -> bool:
    if not _SHAPE.match(value):
        return False
    return int(value[1]) == corporate_number_check_digit(value[2:])


def validate_registration_number(value: str) -> None:
    """Model/form validator: the stored value must already be normalised."""
    if not _SHAPE.match(value):
        raise ValidationError(
            _("登録番号は「T」と13桁の数字で入力してください（例: T7000012050002）。"), code="shape"
        )
    if not registration_number_is_valid(value):
        raise ValidationError(
            _("登録番号の検査用数字（先頭の数字）が一致しません。番号をご確認ください。"), code="check_digit"
        )
