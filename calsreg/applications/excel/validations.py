"""Excel data validations: drop-downs, date/number/length rules, input help and IME modes.

They only help the person typing (Excel does not check pasted values); the one shared validator
still checks everything after reading.
"""

from __future__ import annotations

from datetime import date

from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation

from calsreg.applications.schema import FieldSpec, Kind

# Excel refuses longer prompt titles and texts.
_TITLE_MAX, _PROMPT_MAX = 32, 255
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)

# Defined names of the lists on the hidden 「リスト」 sheet.
LIST_NAMES: dict[Kind, str] = {
    Kind.OFFICE: "L_offices",
    Kind.USER_ROLE: "L_user_roles",
    Kind.SUPERVISOR_TITLE: "L_supervisor_titles",
}
TERMS_LIST_NAME = "L_terms"

# Half-width fields open with the IME off, so that full-width letters are not typed by accident.
_IME_MODES: dict[Kind, str] = {
    Kind.KANA: "fullKatakana",
    Kind.EMAIL: "halfAlpha",
    Kind.PHONE: "halfAlpha",
    Kind.POSTCODE: "halfAlpha",
    Kind.DATE: "halfAlpha",
    Kind.AMOUNT: "halfAlpha",
    Kind.REQUESTED_ID: "halfAlpha",
    Kind.TEXT: "hiragana",
}

_DEFAULT_HINTS: dict[Kind, str] = {
    Kind.KANA: "全角カタカナで入力してください。",
    Kind.EMAIL: "半角で入力してください。例: taro@example.co.jp",
    Kind.PHONE: "市外局番から入力してください。例: 025-285-5511",
    Kind.POSTCODE: "7桁で入力してください。例: 950-8570",
    Kind.DATE: "例: 2026-12-01",
    Kind.USER_ROLE: "一覧から選んでください。",
    Kind.SUPERVISOR_TITLE: "一覧から選んでください。",
}


def hint_text(spec: FieldSpec) -> str:
    """The help shown beside (fields) or on selecting (tables) an input cell."""
    text = str(spec.help) or _DEFAULT_HINTS.get(spec.kind, "")
    if spec.example:
        text = f"{text} 例: {spec.example}".strip()
    return text


def validation_for(spec: FieldSpec, *, title: str) -> DataValidation:
    """A validation rule for the cells of ``spec``; the caller adds the cells."""
    rule = _rule(spec)
    rule.showInputMessage = rule.showErrorMessage = True
    rule.allow_blank = True
    rule.promptTitle = title[:_TITLE_MAX]
    rule.prompt = hint_text(spec)[:_PROMPT_MAX] or None
    rule.errorTitle = title[:_TITLE_MAX]
    rule.errorStyle = "stop"
    rule.imeMode = _IME_MODES.get(spec.kind)
    return rule


def _rule(spec: FieldSpec) -> DataValidation:
    if spec.kind in LIST_NAMES:
        return DataValidation(type="list", formula1=LIST_NAMES[spec.kind], error="一覧から選んでください。")
    if spec.kind == Kind.DATE:
        return DataValidation(
            type="date",
            operator="between",
            formula1=str(int(to_excel(EARLIEST_DATE))),
            formula2=str(int(to_excel(LATEST_DATE))),
            error="日付を 2026/12/01 のように入力してください。",
        )
    if spec.kind == Kind.AMOUNT:
        return DataValidation(
            type="whole",
            operator="greaterThan",
            formula1="0",
            error="1円以上の整数（円単位）で入力してください。",
        )
    if spec.kind == Kind.REQUESTED_ID:
        return DataValidation(
            type="textLength",
            operator="between",
            formula1="3",
            formula2="10",
            error="半角英数字3〜10文字で入力してください。",
        )
    return DataValidation(
        type="textLength",
        operator="lessThanOrEqual",
        formula1=str(spec.max_length),
        error=f"{spec.max_length}文字以内で入力してください。",
    )


def terms_validation() -> DataValidation:
    return DataValidation(
        type="list",
        formula1=TERMS_LIST_NAME,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle="利用規約への同意",
        prompt="利用規約をお読みのうえ「同意する」を選んでください。",
        errorTitle="利用規約への同意",
        error="「同意する」を選んでください。",
        errorStyle="stop",
    )
