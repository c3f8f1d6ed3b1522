"""Field table of the Zengin incoming-transfer notice (振込入金通知, 種別コード 01), 200-byte records.

Every offset below was checked, field by field, against a bank's published layout and a public
implementation that agree with each other:

* 阿波銀行「振込入金通知（全銀協制定フォーマット）」
  http://www.awabank.co.jp/houjin/service/fb/zengin/tsuchi/
  — the header record (項番 1–14, total 200) and the data record up to 項番 7 (振込依頼人コード);
  it marks 照会番号 and 振込依頼人コード with ※ (optional).
* diva-osaka/Diva.Zengin (GitHub), commit 624df5a18ac82fa7924500351ee7994e8099fb12:
  ``Diva.Zengin/Records/振込入金通知Header.cs``, ``振込入金通知DataA.cs`` (フォーマットA, with EDI情報),
  ``Diva.Zengin/Records/振込入金通知End.cs``; commit 25d8169f4bb56202cf772ecfdc1b8496e97de8cc:
  ``Diva.Zengin/Records/振込入金通知Trailer.cs`` — the whole data record (項番 1–13), the trailer and
  the end record; it marks 照会番号, 振込依頼人コード, 仕向銀行名/店名, 取消区分, EDI情報 and the
  trailer's 取消合計件数/金額 as optional (任意項目).

Positions are 1-based byte columns, as banks print them, so this table can be read side by side with
the published one. ``N`` = half-width digits, right-aligned, zero-padded; ``C`` = half-width characters
(JIS X 0201: letters, digits, kana, a few symbols), left-aligned, space-padded. Dates are 和暦 YYMMDD.

The table is checked when the module is imported: each record's fields must be contiguous and end at
byte 200, so a typo in a width cannot go unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RECORD_LENGTH = 200
KIND_CODE_TRANSFER_NOTICE = "01"  # 種別コード: 振込入金通知
CODE_DIVISION_JIS = "0"  # コード区分: 0 = JIS (we read Shift_JIS); 1 = EBCDIC is not accepted

RECORD_HEADER = "1"
RECORD_DATA = "2"
RECORD_TRAILER = "8"
RECORD_END = "9"

# 預金種目 values the published header lists: 普通, 当座, 貯蓄.
DEPOSIT_TYPES = {"1": "普通預金", "2": "当座預金", "4": "貯蓄預金"}
CANCELLED = "1"  # 取消区分: 1 = this notice cancels an earlier one


@dataclass(frozen=True)
class Field:
    name: str  # code name (English), used in error paths
    label: str  # the layout's Japanese name, used in messages
    start: int  # 1-based first byte
    length: int
    kind: Literal["N", "C"]
    optional: bool = False  # N fields only: all spaces is accepted
    date: bool = False  # N(6) 和暦 YYMMDD
    integer: bool = False  # N read as a number (amounts, counts); other N fields keep leading zeros
    filler: bool = False  # ダミー: not read

    @property
    def end(self) -> int:
        """1-based last byte."""
        return self.start + self.length - 1

    @property
    def slice(self) -> slice:
        return slice(self.start - 1, self.start - 1 + self.length)


RECORD_TYPE = Field("record_type", "データ区分", 1, 1, "N")

HEADER_FIELDS: tuple[Field, ...] = (
    RECORD_TYPE,  # 1
    Field("kind_code", "種別コード", 2, 2, "N"),  # 01
    Field("code_division", "コード区分", 4, 1, "N"),  # 0 JIS / 1 EBCDIC
    Field("created_on", "作成日", 5, 6, "N", date=True),
    Field("booked_from", "勘定日（自）", 11, 6, "N", date=True),
    Field("booked_to", "勘定日（至）", 17, 6, "N", date=True),
    Field("bank_code", "銀行コード", 23, 4, "N"),
    Field("bank_name", "銀行名", 27, 15, "C"),
    Field("branch_code", "支店コード", 42, 3, "N"),
    Field("branch_name", "支店名", 45, 15, "C"),
    Field("deposit_type", "預金種目", 60, 1, "N"),
    Field("account_number", "口座番号", 61, 7, "N"),
    Field("account_name", "口座名", 68, 40, "C"),
    Field("filler", "ダミー", 108, 93, "C", filler=True),
)

DATA_FIELDS: tuple[Field, ...] = (
    RECORD_TYPE,  # 2
    Field("reference", "照会番号", 2, 6, "N", optional=True),
    Field("booked_on", "勘定日", 8, 6, "N", date=True),
    Field("value_on", "起算日", 14, 6, "N", date=True),
    Field("amount", "金額", 20, 10, "N", integer=True),
    Field("other_bank_cheque_amount", "うち他店券金額", 30, 10, "N", integer=True),
    Field("requester_code", "振込依頼人コード", 40, 10, "N", optional=True),
    Field("requester_name", "振込依頼人名", 50, 48, "C"),
    Field("remitting_bank_name", "仕向銀行名", 98, 15, "C"),
    Field("remitting_branch_name", "仕向支店名", 113, 15, "C"),
    Field("cancellation", "取消区分", 128, 1, "N", optional=True),
    Field("edi", "EDI情報", 129, 20, "C"),
    Field("filler", "ダミー", 149, 52, "C", filler=True),
)

TRAILER_FIELDS: tuple[Field, ...] = (
    RECORD_TYPE,  # 8
    Field("total_count", "振込合計件数", 2, 6, "N", integer=True),
    Field("total_amount", "振込合計金額", 8, 12, "N", integer=True),
    Field("cancelled_count", "取消合計件数", 20, 6, "N", optional=True, integer=True),
    Field("cancelled_amount", "取消合計金額", 26, 12, "N", optional=True, integer=True),
    Field("filler", "ダミー", 38, 163, "C", filler=True),
)

END_FIELDS: tuple[Field, ...] = (
    RECORD_TYPE,  # 9
    Field("filler", "ダミー", 2, 199, "C", filler=True),
)

LAYOUTS: dict[str, tuple[Field, ...]] = {
    RECORD_HEADER: HEADER_FIELDS,
    RECORD_DATA: DATA_FIELDS,
    RECORD_TRAILER: TRAILER_FIELDS,
    RECORD_END: END_FIELDS,
}
RECORD_NAMES = {
    RECORD_HEADER: "ヘッダー・レコード",
    RECORD_DATA: "データ・レコード",
    RECORD_TRAILER: "トレーラ・レコード",
    RECORD_END: "エンド・レコード",
}


def field_by_name(fields: tuple[Field, ...], name: str) -> Field:
    for item in fields:
        if item.name == name:
            return item
    raise KeyError(name)


def _check_contiguous() -> None:
    for record_type, fields in LAYOUTS.items():
        position = 1
        for item in fields:
            if item.start != position:
                raise RuntimeError(
                    f"layout {record_type}: {item.name} starts at {item.start}, not {position}"
                )
            position = item.end + 1
        if position != RECORD_LENGTH + 1:
            raise RuntimeError(f"layout {record_type}: ends at {position - 1}, not {RECORD_LENGTH}")


_check_contiguous()
