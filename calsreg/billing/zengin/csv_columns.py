"""The payments CSV's columns as the import page documents them, and the sample file offered for
download — both generated from the reader's own column table (``csv_payments.COLUMNS``), so the
page, the sample and the reader never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from calsreg.billing.zengin.csv_payments import COLUMNS, REQUIRED
from calsreg.core.exports import csv_bytes

# code name → (what to put in it, an example value the reader accepts)
COLUMN_HELP: dict[str, tuple[object, str]] = {
    "date": (_("入金日。2026-11-30 または 2026/11/30。未来の日付は取り込めません。"), "2026-11-30"),
    "amount": (_("入金額（円）。数字のみ（12,345 や「円」付きも可）、0より大きい金額。"), "22000"),
    "payer_kana": (_("振込依頼人名（カナ。半角・全角どちらでも可）。"), "ｴﾁｺﾞｹﾝｾﾂ(ｶ"),
    "payer_code": (_("お客様番号・請求書番号・EDI情報（任意）。消込の手がかりになります。"), "C000123"),
    "reference": (_("銀行の照会番号（任意）。同じファイルの中で重複できません。"), "0001234"),
}

ENCODING_NOTE = _(
    "文字コードは UTF-8（BOM の有無は問いません）または Shift_JIS（Excel の「CSV（コンマ区切り）」）。"
    "1行目は見出し（列の順番は自由、各列1回）。1行に1件の入金。空行は読み飛ばします。"
)


@dataclass(frozen=True)
class ColumnDoc:
    header: str  # the header to write (the first accepted name)
    aliases: tuple[str, ...]  # every header name accepted
    required: bool
    description: object
    example: str


def payments_csv_columns() -> list[ColumnDoc]:
    return [
        ColumnDoc(
            header=label,
            aliases=aliases,
            required=name in REQUIRED,
            description=COLUMN_HELP[name][0],
            example=COLUMN_HELP[name][1],
        )
        for name, (label, aliases) in COLUMNS.items()
    ]


def payments_csv_sample_bytes() -> bytes:
    """A one-payment sample (UTF-8 with BOM) that the reader imports as it stands."""
    columns = payments_csv_columns()
    return csv_bytes(header=[c.header for c in columns], rows=[[c.example for c in columns]])
