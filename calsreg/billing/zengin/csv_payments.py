"""Reader of payments CSV files: a bank's CSV statement re-saved, or a spreadsheet typed by the agent.

Format (also shown to the agent on the import page):

* UTF-8 (with or without BOM) or Shift_JIS (what Excel in Japan saves as "CSV"); comma-separated;
* the first row names the columns, in any order, each once; blank rows are skipped;
* one payment per line: a quote left open (a value running over lines) is refused at its line;
* every value read passes the one text cleaner (``core/text.py``) as typed: a control character, a
  bidi control or a tab is refused with the line and column named (half-width kana are fine);

  ============================  ==========================  =========================================
  column (Japanese / English)   required                    content
  ============================  ==========================  =========================================
  入金日 / date                  yes                         2026-11-30 or 2026/11/30, not in the future
                                                             (``days.payment_day_problem``)
  金額 / amount                  yes                         yen, digits (12,345 and 円 tolerated), > 0
  振込依頼人名 / payer_kana       yes                         the payer's name in kana (half- or full-width)
  依頼人コード・EDI / payer_code  no                          customer code / invoice number / EDI text
  照会番号 / reference           no                          the bank's reference; unique in the file
  ============================  ==========================  =========================================

Every problem is reported with its line (the header is line 1) and column, and the file is refused
whole, as for Zengin files.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from calsreg.billing.zengin.days import payment_day_problem
from calsreg.billing.zengin.problems import CsvFileRefused, RecordProblem
from calsreg.core.errors import UploadRefused
from calsreg.core.text import text_refusal
from calsreg.core.width import to_full_width_kana

MAX_AMOUNT_YEN = 9_999_999_999  # the Zengin amount field's capacity (N(10))
MAX_CODE_LENGTH = 40
MAX_REFERENCE_LENGTH = 20
MAX_NAME_LENGTH = 48  # the Zengin 振込依頼人名 width

COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    # code name: (label, accepted header names, compared after NFKC + lower case)
    "date": ("入金日", ("入金日", "勘定日", "date")),
    "amount": ("金額", ("金額", "入金額", "amount")),
    "payer_kana": ("振込依頼人名", ("振込依頼人名", "依頼人名", "payer_kana", "payer")),
    "payer_code": (
        "依頼人コード・EDI",
        ("依頼人コード・edi", "依頼人コード", "edi", "edi情報", "payer_code"),
    ),
    "reference": ("照会番号", ("照会番号", "reference")),
}
REQUIRED = ("date", "amount", "payer_kana")
_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
# After NFKC: katakana (with the long-vowel mark and middle dot), ASCII letters, digits, space and the
# few symbols bank names use.
_PAYER_RE = re.compile(r"^[\u30a0-\u30ff A-Za-z0-9().,\-/]+$")


@dataclass(frozen=True)
class CsvPayment:
    line: int
    received_on: date
    amount: int
    payer_name: str  # as typed, NFKC-normalised (half-width kana become full-width)
    payer_code: str  # the code/EDI column, half-width
    reference: str


def parse_payments_csv(content: bytes, *, today: date) -> list[CsvPayment]:
    """Read a whole file. Raises ``UploadRefused`` (unreadable) or ``CsvFileRefused`` (every problem)."""
    text = _decode(content)
    problems: list[RecordProblem] = []
    records = _records(text, problems)
    header = next(records, None)
    if header is None:
        raise (CsvFileRefused(problems) if problems else UploadRefused(_("CSVファイルが空です。")))
    columns = _columns(header[1], problems)
    if problems:
        raise CsvFileRefused(problems)
    payments: list[CsvPayment] = []
    references: dict[str, int] = {}
    for line, row in records:
        if not any(cell.strip() for cell in row):
            continue
        payment = _row(line, row, columns, today=today, problems=problems)
        if payment is None:
            continue
        if payment.reference:
            if payment.reference in references:
                _problem(
                    problems,
                    line,
                    "reference",
                    _("照会番号「%(value)s」が%(other)d行目と重複しています。")
                    % {"value": payment.reference, "other": references[payment.reference]},
                )
                continue
            references[payment.reference] = line
        payments.append(payment)
    if problems:
        raise CsvFileRefused(problems)
    if not payments:
        raise UploadRefused(_("CSVファイルに入金の行がありません。"))
    return payments


def _records(text: str, problems: list[RecordProblem]) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it starts on (the header is line 1).

    One payment is one line: a row that runs over several lines means a quote opened and closed
    further down (or never: the csv module's strict mode stops at the end of the file), so the
    columns of every row after it would be misread. Reading stops there with a problem naming the
    line where the row began.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end = 0
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            problems.append(_quote_problem(start))
            return
        end = reader.line_num
        if end > start:
            problems.append(_quote_problem(start))
            return
        yield start, row


def _quote_problem(line: int) -> RecordProblem:
    return RecordProblem(
        line=line,
        field="quote",
        label=_('引用符（"）'),
        message=_(
            '%(line)d行目の引用符（"）が閉じられていないか、値の途中で改行しています。'
            '1件の入金を1行に書き、値の中の " は "" と2つ重ねてください。'
        )
        % {"line": line},
    )


def _decode(content: bytes) -> str:
    if not content.strip():
        raise UploadRefused(_("CSVファイルが空です。"))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadRefused(_("文字コードが読めません。UTF-8 または Shift_JIS のCSVで保存してください。"))


def _columns(header: list[str], problems: list[RecordProblem]) -> dict[str, int]:
    wanted = {
        alias: name for name, (_label, aliases) in COLUMNS.items() for alias in aliases
    }  # alias → code name
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = wanted.get(unicodedata.normalize("NFKC", cell).strip().lower())
        if name is None:
            continue
        if name in columns:
            # Two amount columns (a bank's 入金額 and a typed 金額): which one is the payment is a
            # guess the import must not make.
            label = COLUMNS[name][0]
            problems.append(
                RecordProblem(
                    line=1,
                    field=name,
                    label=label,
                    message=_(
                        "1行目（見出し）に「%(label)s」の列が2つあります（%(first)d列目と%(second)d列目）。1つにしてください。"
                    )
                    % {"label": label, "first": columns[name] + 1, "second": index + 1},
                )
            )
            continue
        columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            label = COLUMNS[name][0]
            problems.append(
                RecordProblem(
                    line=1,
                    field=name,
                    label=label,
                    message=_("1行目（見出し）に「%(label)s」の列がありません。") % {"label": label},
                )
            )
    return columns


def _problem(problems: list[RecordProblem], line: int, name: str, message: str) -> None:
    problems.append(RecordProblem(line=line, field=name, label=COLUMNS[name][0], message=message))


def _row(
    line: int, row: list[str], columns: dict[str, int], *, today: date, problems: list[RecordProblem]
) -> CsvPayment | None:
    def cell(name: str) -> str:
        index = columns.get(name)
        if index is None or index >= len(row):
            return ""
        return unicodedata.normalize("NFKC", row[index]).strip()

    before = len(problems)
    if _refused_cells(line, row, columns, problems):
        return None
    quoted = [name for name, index in columns.items() if index < len(row) and '"' in row[index]]
    for name in quoted:
        # A quote inside a value is a quote left unbalanced (no payment field has one).
        _problem(problems, line, name, _('値に引用符（"）が含まれています。引用符の対応を確認してください。'))
    if quoted:
        return None
    received_on = _date(cell("date"), line, today=today, problems=problems)
    amount = _amount(cell("amount"), line, problems=problems)
    payer_name = to_full_width_kana(cell("payer_kana"))
    if not payer_name:
        _problem(problems, line, "payer_kana", _("振込依頼人名が空です。"))
    elif len(payer_name) > MAX_NAME_LENGTH or not _PAYER_RE.match(payer_name):
        _problem(
            problems,
            line,
            "payer_kana",
            _("振込依頼人名「%(value)s」はカナ・英数字で%(max)d文字以内にしてください。")
            % {"value": payer_name, "max": MAX_NAME_LENGTH},
        )
    payer_code = cell("payer_code")
    if len(payer_code) > MAX_CODE_LENGTH:
        _problem(
            problems, line, "payer_code", _("%(max)d文字以内にしてください。") % {"max": MAX_CODE_LENGTH}
        )
    reference = cell("reference")
    if len(reference) > MAX_REFERENCE_LENGTH:
        _problem(
            problems, line, "reference", _("%(max)d文字以内にしてください。") % {"max": MAX_REFERENCE_LENGTH}
        )
    if len(problems) > before or received_on is None or amount is None:
        return None
    return CsvPayment(
        line=line,
        received_on=received_on,
        amount=amount,
        payer_name=payer_name,
        payer_code=payer_code,
        reference=reference,
    )


def _refused_cells(line: int, row: list[str], columns: dict[str, int], problems: list[RecordProblem]) -> bool:
    """Report each cell holding a character the one text cleaner refuses; whether there was one.

    Checked on the value as read, before NFKC and trimming (which would drop some of them silently),
    so the position named is the one the agent sees in the file. Every payment field is one line.
    """
    refused = False
    for name, index in columns.items():
        refusal = text_refusal(row[index], label=COLUMNS[name][0]) if index < len(row) else None
        if refusal is not None:
            _problem(problems, line, name, refusal)
            refused = True
    return refused


def _date(value: str, line: int, *, today: date, problems: list[RecordProblem]) -> date | None:
    match = _DATE_RE.match(value)
    parsed: date | None = None
    if match:
        try:
            parsed = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            parsed = None
    if parsed is None:
        _problem(
            problems,
            line,
            "date",
            _("「%(value)s」は日付として読めません（例: 2026-11-30 または 2026/11/30）。") % {"value": value},
        )
        return None
    refusal = payment_day_problem(parsed, today=today)
    if refusal is not None:
        _problem(problems, line, "date", refusal)
        return None
    return parsed


def _amount(value: str, line: int, *, problems: list[RecordProblem]) -> int | None:
    digits = value.replace(",", "").removesuffix("円").removeprefix("¥").removeprefix("\\").strip()
    if not digits.isascii() or not digits.isdigit():
        _problem(
            problems,
            line,
            "amount",
            _("金額「%(value)s」は数字（円単位の整数）で入力してください。") % {"value": value},
        )
        return None
    amount = int(digits)
    if not 0 < amount <= MAX_AMOUNT_YEN:
        _problem(
            problems,
            line,
            "amount",
            _("金額は1円以上%(max)s円以下です（「%(value)s」）。")
            % {"max": f"{MAX_AMOUNT_YEN:,}", "value": value},
        )
        return None
    return amount
