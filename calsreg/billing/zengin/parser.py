"""Reader of Zengin incoming-transfer notice files (振込入金通知), fixed 200-byte Shift_JIS records.

``parse_transfer_notice(content)`` returns the file's account statements, or refuses the whole file:
``ZenginFileRefused`` lists every problem found, each with its line (record number, 1-based) and field,
so the billing agent can tell the bank exactly what is wrong. Nothing is half-read: a file with one bad
record gives no payments at all (a partial import would be reconciled as if it were complete).

What is accepted (banks deliver all of these): records one after another with no separator, or
separated by CR LF (also LF or CR alone), an optional final separator, and the DOS end-of-file mark
(0x1A) some banking software appends. What is refused: a record that is not 200 bytes, an unknown
データ区分, records out of order (header → data… → trailer, repeated per account, then one end
record), non-digits in a numeric field, a date that is not a valid 和暦 YYMMDD or is after today
(as in the CSV reader), in any field read a character the one text cleaner refuses
(``core/text.py``: a control character, named with its position), a character outside JIS X 0201
(full-width characters), a trailer whose count or sum disagrees with the data records, and a
missing end record. Half-width katakana are JIS X 0201 and pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from calsreg.billing.zengin.days import payment_day_problem
from calsreg.billing.zengin.layout import (
    CANCELLED,
    CODE_DIVISION_JIS,
    DATA_FIELDS,
    DEPOSIT_TYPES,
    HEADER_FIELDS,
    KIND_CODE_TRANSFER_NOTICE,
    LAYOUTS,
    RECORD_DATA,
    RECORD_HEADER,
    RECORD_LENGTH,
    RECORD_TRAILER,
    RECORD_TYPE,
    TRAILER_FIELDS,
    Field,
    field_by_name,
)
from calsreg.billing.zengin.problems import RecordProblem, ZenginFileRefused
from calsreg.core.era import ERAS
from calsreg.core.errors import UploadRefused
from calsreg.core.text import RefusedCharacter, refused_character, shown

ENCODING = "cp932"  # Shift_JIS as Windows and the banks' software write it
DOS_EOF = b"\x1a"
# Dates are 和暦 YYMMDD without the era: files received today are dated in 令和, whose first day is
# the earliest date a transfer notice can carry.
REIWA_START = ERAS[0][0]
REIWA_YEAR_OFFSET = REIWA_START.year - 1  # 令和1年 = 2019
# JIS X 0201 as Zengin uses it: ASCII graphic characters and space, and half-width katakana.
_NOT_JIS_X_0201 = re.compile(rb"[^\x20-\x7e\xa1-\xdf]")


@dataclass(frozen=True)
class TransferRecord:
    """One data record: one incoming transfer (or, if ``cancelled``, the bank's cancellation of one)."""

    line: int
    reference: str  # 照会番号 ("" when the bank leaves it blank)
    booked_on: date  # 勘定日
    value_on: date  # 起算日
    amount: int
    other_bank_cheque_amount: int
    requester_code: str  # 振込依頼人コード, 10 digits as received ("" when blank)
    requester_name: str  # 振込依頼人名, half-width as received, trailing spaces removed
    remitting_bank_name: str
    remitting_branch_name: str
    cancelled: bool
    edi: str


@dataclass(frozen=True)
class AccountStatement:
    """One header … trailer group: the notices for one account."""

    line: int
    created_on: date
    booked_from: date
    booked_to: date
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    deposit_type: str
    account_number: str
    account_name: str
    transfers: list[TransferRecord] = field(default_factory=list)

    @property
    def account_key(self) -> str:
        """Bank-branch-type-number: identifies the receiving account across files."""
        return f"{self.bank_code}-{self.branch_code}-{self.deposit_type}-{self.account_number}"


@dataclass(frozen=True)
class TransferNoticeFile:
    statements: list[AccountStatement]
    separator: str  # "none", "crlf", "lf" or "cr": how the records were delimited
    record_count: int

    @property
    def transfers(self) -> list[tuple[AccountStatement, TransferRecord]]:
        return [(statement, record) for statement in self.statements for record in statement.transfers]


def parse_transfer_notice(content: bytes, *, today: date) -> TransferNoticeFile:
    """Read a whole file. Raises ``UploadRefused`` (not a transfer notice at all, e.g. empty) or
    ``ZenginFileRefused`` (every problem, with line and field; a date after ``today`` is one, as in
    the CSV reader: ``days.payment_day_problem``)."""
    if not content.strip(b" \r\n" + DOS_EOF):
        raise UploadRefused(_("ファイルが空です。銀行から受け取った振込入金通知のファイルを選んでください。"))
    records, separator = split_records(content)
    reader = _Reader(today=today)
    for number, raw in enumerate(records, start=1):
        reader.read(number, raw)
    reader.finish(len(records))
    if reader.problems:
        raise ZenginFileRefused(reader.problems)
    return TransferNoticeFile(statements=reader.statements, separator=separator, record_count=len(records))


def split_records(content: bytes) -> tuple[list[bytes], str]:
    """Split into records. Lengths are not checked here (the reader reports them per line)."""
    body = content[:-1] if content.endswith(DOS_EOF) else content
    separator = _separator_of(body)
    if separator == "none":
        return [body[i : i + RECORD_LENGTH] for i in range(0, len(body), RECORD_LENGTH)], separator
    delimiter = {"crlf": b"\r\n", "lf": b"\n", "cr": b"\r"}[separator]
    lines = body.split(delimiter)
    while lines and lines[-1] == b"":
        lines.pop()  # a final separator (or several blank lines) after the end record
    if len(lines) == 1 and len(lines[0]) % RECORD_LENGTH == 0:
        # An unseparated file that merely ends with a line break.
        return split_records(lines[0])[0], "none"
    return lines, separator


def _separator_of(body: bytes) -> str:
    # CR and LF never occur inside a record (JIS X 0201 text and digits), so their presence alone
    # tells how the file is delimited.
    if b"\r\n" in body:
        return "crlf"
    if b"\n" in body:
        return "lf"
    if b"\r" in body:
        return "cr"
    return "none"


def era_yymmdd(text: str) -> date | None:
    """令和 YYMMDD → date; None if it is not a real day of 令和."""
    year, month, day = int(text[0:2]), int(text[2:4]), int(text[4:6])
    if year == 0:
        return None
    try:
        value = date(REIWA_YEAR_OFFSET + year, month, day)
    except ValueError:
        return None
    return value if value >= REIWA_START else None


def _shown(raw: bytes) -> str:
    return raw.decode(ENCODING, errors="replace")


def _control_message(found: RefusedCharacter, *, label: str) -> str:
    # Shift_JIS cannot encode the bidi controls, so what the cleaner finds here is a control
    # character (tab, escape, DEL, C1): a damaged file rather than something typed.
    return _(
        "「%(label)s」の%(position)s文字目に、使えない制御文字（%(code)s）があります。"
        "ファイルが壊れているか、振込入金通知ではありません。銀行から受け取ったままのファイルを取り込んでください。"
    ) % {"label": label, "position": found.position, "code": found.code}


class _Reader:
    """Walks the records once, keeping the structure state and collecting every problem."""

    def __init__(self, *, today: date) -> None:
        self.today = today
        self.problems: list[RecordProblem] = []
        self.statements: list[AccountStatement] = []
        self.current: AccountStatement | None = None
        self.current_amounts_complete = True
        self.references: dict[str, int] = {}
        self.ended_at: int | None = None
        self.records_after_end = 0
        self.first_after_end = 0

    def problem(self, line: int, item: Field, message: str) -> None:
        self.problems.append(RecordProblem(line=line, field=item.name, label=item.label, message=message))

    # --- one record -------------------------------------------------------------------------------

    def read(self, line: int, raw: bytes) -> None:
        if self.ended_at is not None:
            self.records_after_end += 1
            self.first_after_end = self.first_after_end or line
            return
        record_type = shown(_shown(raw[:1]))  # echoed in a message: no control character in it
        layout = LAYOUTS.get(record_type)
        length_ok = len(raw) == RECORD_LENGTH
        if not length_ok:
            self.problems.append(
                RecordProblem(
                    line=line,
                    field="record",
                    label=_("レコード長"),
                    message=_(
                        "レコードの長さが%(length)dバイトです。1レコードは200バイトです"
                        "（全角文字や余分な空白・改行が入っていないか確認してください）。"
                    )
                    % {"length": len(raw)},
                )
            )
        if layout is None:
            # Perhaps a data record with a damaged type: the group's totals can no longer be checked.
            self.current_amounts_complete = False
            if raw:
                self.problem(
                    line,
                    RECORD_TYPE,
                    _(
                        "データ区分「%(value)s」は使えません（1: ヘッダー、2: データ、8: トレーラ、9: エンド）。"
                    )
                    % {"value": record_type},
                )
            return
        values = self.fields(line, raw, layout) if length_ok else None
        # The structure is followed even when a record is unreadable, so that one bad record does not
        # also produce "missing header/trailer" problems for the records around it.
        if record_type == RECORD_HEADER:
            self.header(line, values)
        elif record_type == RECORD_DATA:
            self.data(line, values)
        elif record_type == RECORD_TRAILER:
            self.trailer(line, values)
        else:
            self.end(line)

    def fields(self, line: int, raw: bytes, layout: tuple[Field, ...]) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        complete = True
        for item in layout:
            if item.filler or item is RECORD_TYPE:
                continue
            chunk = raw[item.slice]
            # Every field read passes the one text cleaner first, so no message below echoes a
            # control character and no stored text holds one.
            found = refused_character(_shown(chunk))
            if found is not None:
                self.problem(line, item, _control_message(found, label=item.label))
                complete = False
                continue
            if item.kind == "C":
                if _NOT_JIS_X_0201.search(chunk):
                    self.problem(
                        line,
                        item,
                        _("半角文字（カナ・英数字）以外の文字が含まれています（「%(value)s」）。")
                        % {"value": _shown(chunk).strip()},
                    )
                    complete = False
                    continue
                values[item.name] = chunk.decode(ENCODING).rstrip(" ")
                continue
            if item.optional and chunk.strip(b" ") == b"":
                values[item.name] = 0 if item.integer else ""
                continue
            if not chunk.isdigit():  # bytes.isdigit(): ASCII digits only
                self.problem(
                    line,
                    item,
                    _(
                        "数字以外の文字が含まれています（「%(value)s」）。数字%(length)d桁（右詰め、前を0で埋める）です。"
                    )
                    % {"value": _shown(chunk), "length": item.length},
                )
                complete = False
                continue
            text = chunk.decode("ascii")
            if item.date:
                day = era_yymmdd(text)
                if day is None:
                    self.problem(
                        line,
                        item,
                        _("「%(value)s」は和暦の年月日（YYMMDD、令和）として正しくありません。")
                        % {"value": text},
                    )
                    complete = False
                    continue
                refusal = payment_day_problem(day, today=self.today)
                if refusal is not None:
                    self.problem(line, item, refusal)
                    complete = False
                    continue
                values[item.name] = day
            elif item.integer:
                values[item.name] = int(text)
            else:
                values[item.name] = text
        return values if complete else None

    # --- structure --------------------------------------------------------------------------------

    def header(self, line: int, values: dict[str, Any] | None) -> None:
        if self.current is not None:
            self.problem(
                line,
                RECORD_TYPE,
                _(
                    "%(line)d行目からの口座の明細が、トレーラ・レコードのないまま次のヘッダー・レコードになっています。"
                )
                % {"line": self.current.line},
            )
        self.current = None
        self.current_amounts_complete = True
        self.references = {}
        if values is None:
            # Unreadable header: keep following the structure with a placeholder group.
            self.current = _placeholder(line)
            self.current_amounts_complete = False
            return
        ok = True
        if values["kind_code"] != KIND_CODE_TRANSFER_NOTICE:
            self.problem(
                line,
                field_by_name(HEADER_FIELDS, "kind_code"),
                _("種別コード「%(value)s」は振込入金通知（01）ではありません。別の種類のファイルです。")
                % {"value": values["kind_code"]},
            )
            ok = False
        if values["code_division"] != CODE_DIVISION_JIS:
            self.problem(
                line,
                field_by_name(HEADER_FIELDS, "code_division"),
                _("コード区分「%(value)s」には対応していません（0: JIS のファイルを受け付けます）。")
                % {"value": values["code_division"]},
            )
            ok = False
        if values["deposit_type"] not in DEPOSIT_TYPES:
            self.problem(
                line,
                field_by_name(HEADER_FIELDS, "deposit_type"),
                _("預金種目「%(value)s」は使えません（1: 普通、2: 当座、4: 貯蓄）。")
                % {"value": values["deposit_type"]},
            )
            ok = False
        del values["kind_code"], values["code_division"]  # checked above; constant for the file
        self.current = AccountStatement(line=line, **values) if ok else _placeholder(line)
        self.current_amounts_complete = ok

    def data(self, line: int, values: dict[str, Any] | None) -> None:
        if self.current is None:
            self.problem(line, RECORD_TYPE, _("データ・レコードの前にヘッダー・レコードがありません。"))
            self.current = _placeholder(line)
            self.current_amounts_complete = False
        if values is None:
            self.current_amounts_complete = False
            return
        if values["cancellation"] not in ("", "0", CANCELLED):
            self.problem(
                line,
                field_by_name(DATA_FIELDS, "cancellation"),
                _("取消区分「%(value)s」は使えません（空白または0: 通常、1: 取消）。")
                % {"value": values["cancellation"]},
            )
            self.current_amounts_complete = False
            return
        cancelled = values.pop("cancellation") == CANCELLED
        if values["amount"] == 0:
            self.problem(line, field_by_name(DATA_FIELDS, "amount"), _("金額が0円です。"))
        if values["other_bank_cheque_amount"] > values["amount"]:
            self.problem(
                line,
                field_by_name(DATA_FIELDS, "other_bank_cheque_amount"),
                _("うち他店券金額（%(part)s円）が金額（%(amount)s円）を超えています。")
                % {"part": f"{values['other_bank_cheque_amount']:,}", "amount": f"{values['amount']:,}"},
            )
        reference = values["reference"]
        if reference and not cancelled:
            # A cancellation may repeat the number of the notice it cancels; a second notice may not.
            if reference in self.references:
                self.problem(
                    line,
                    field_by_name(DATA_FIELDS, "reference"),
                    _("照会番号「%(value)s」が%(other)d行目と重複しています。")
                    % {"value": reference, "other": self.references[reference]},
                )
            else:
                self.references[reference] = line
        self.current.transfers.append(TransferRecord(line=line, cancelled=cancelled, **values))

    def trailer(self, line: int, values: dict[str, Any] | None) -> None:
        if self.current is None:
            self.problem(line, RECORD_TYPE, _("トレーラ・レコードに対応するヘッダー・レコードがありません。"))
            return
        statement, complete = self.current, self.current_amounts_complete
        self.current = None
        if statement.line > 0:
            self.statements.append(statement)
        if values is None or not complete:
            return  # the sums cannot be compared with records that could not be read
        self.check_totals(line, statement, values)

    def check_totals(self, line: int, statement: AccountStatement, values: dict[str, Any]) -> None:
        notices = [record for record in statement.transfers if not record.cancelled]
        cancels = [record for record in statement.transfers if record.cancelled]
        cancelled_count, cancelled_amount = len(cancels), sum(record.amount for record in cancels)
        # Banks differ on whether 振込合計 includes the cancellation records (the published layouts do
        # not say); both readings are accepted, and they coincide when nothing was cancelled.
        readings = [
            (len(notices), sum(record.amount for record in notices)),
            (len(statement.transfers), sum(record.amount for record in statement.transfers)),
        ]
        count_ok = values["total_count"] in {count for count, _amount in readings}
        amount_ok = values["total_amount"] in {amount for _count, amount in readings}
        if not count_ok:
            self.problem(
                line,
                field_by_name(TRAILER_FIELDS, "total_count"),
                _("振込合計件数が%(stated)s件ですが、データ・レコードは%(actual)s件です。")
                % {"stated": f"{values['total_count']:,}", "actual": f"{len(notices):,}"},
            )
        if not amount_ok:
            self.problem(
                line,
                field_by_name(TRAILER_FIELDS, "total_amount"),
                _("振込合計金額が%(stated)s円ですが、データ・レコードの金額の合計は%(actual)s円です。")
                % {"stated": f"{values['total_amount']:,}", "actual": f"{readings[0][1]:,}"},
            )
        if values["cancelled_count"] != cancelled_count:
            self.problem(
                line,
                field_by_name(TRAILER_FIELDS, "cancelled_count"),
                _("取消合計件数が%(stated)s件ですが、取消のデータ・レコードは%(actual)s件です。")
                % {"stated": f"{values['cancelled_count']:,}", "actual": f"{cancelled_count:,}"},
            )
        if values["cancelled_amount"] != cancelled_amount:
            self.problem(
                line,
                field_by_name(TRAILER_FIELDS, "cancelled_amount"),
                _("取消合計金額が%(stated)s円ですが、取消のデータ・レコードの合計は%(actual)s円です。")
                % {"stated": f"{values['cancelled_amount']:,}", "actual": f"{cancelled_amount:,}"},
            )

    def end(self, line: int) -> None:
        if self.current is not None:
            self.problem(
                line,
                RECORD_TYPE,
                _(
                    "%(line)d行目からの口座の明細にトレーラ・レコードがないまま、エンド・レコードになっています。"
                )
                % {"line": self.current.line},
            )
            self.current = None
        self.ended_at = line

    def finish(self, record_count: int) -> None:
        if self.ended_at is None:
            self.problem(
                record_count + 1,
                RECORD_TYPE,
                _(
                    "ファイルがエンド・レコード（データ区分9）で終わっていません。ファイルが途中で切れていないか確認してください。"
                ),
            )
        elif self.records_after_end:
            self.problem(
                self.first_after_end,
                RECORD_TYPE,
                _("エンド・レコードの後に%(count)d件のレコードがあります。")
                % {"count": self.records_after_end},
            )
        if not self.problems and not self.statements:
            self.problem(1, RECORD_TYPE, _("ヘッダー・レコードがありません。"))


def _placeholder(line: int) -> AccountStatement:
    """A group whose header could not be read: followed for structure only, never returned."""
    return AccountStatement(
        line=-line,
        created_on=REIWA_START,
        booked_from=REIWA_START,
        booked_to=REIWA_START,
        bank_code="",
        bank_name="",
        branch_code="",
        branch_name="",
        deposit_type="",
        account_number="",
        account_name="",
    )
