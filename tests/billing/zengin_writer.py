"""An independent writer of Zengin incoming-transfer notice files (振込入金通知), for tests only.

Built field by field from the bank's published layout (阿波銀行「振込入金通知（全銀協制定フォーマット）」,
http://www.awabank.co.jp/houjin/service/fb/zengin/tsuchi/, with the rest of the data record, the
trailer and the end record from diva-osaka/Diva.Zengin ``Records/振込入金通知*.cs``) — deliberately
NOT from ``calsreg.billing.zengin.layout``, so a wrong offset in the parser's table cannot be hidden by
the same mistake here. Widths are written out in each function in layout order.
"""

from __future__ import annotations

from datetime import date

ENCODING = "cp932"
CRLF = b"\r\n"


def era(day: date) -> str:
    """令和 YYMMDD (令和1年 = 2019)."""
    return f"{day.year - 2018:02d}{day.month:02d}{day.day:02d}"


def n(value: int | str, width: int) -> bytes:
    """N(width): right-aligned, zero-padded digits. A str is written as given (for malformed files)."""
    text = f"{value:0{width}d}" if isinstance(value, int) else value
    raw = text.encode("ascii")
    assert len(raw) == width, (text, width)
    return raw


def c(value: str, width: int) -> bytes:
    """C(width): left-aligned, space-padded half-width text."""
    raw = value.encode(ENCODING)
    assert len(raw) <= width, (value, width)
    return raw + b" " * (width - len(raw))


def _record(*parts: bytes) -> bytes:
    record = b"".join(parts)
    assert len(record) == 200, len(record)
    return record


def header(
    *,
    created: date | str = date(2026, 12, 1),
    booked_from: date | str = date(2026, 11, 30),
    booked_to: date | str = date(2026, 11, 30),
    bank_code: str = "0140",
    bank_name: str = "ﾀﾞｲｼ",
    branch_code: str = "101",
    branch_name: str = "ﾎﾝﾃﾝ",
    deposit_type: str = "1",
    account_number: str = "1234567",
    account_name: str = "ｴﾇｲ-ｼ-ｷﾔﾋﾟﾀﾙｿﾘﾕ-ｼﾖﾝｽﾞ(ｶ",
    kind_code: str = "01",
) -> bytes:
    def d(value: date | str) -> bytes:
        return n(era(value) if isinstance(value, date) else value, 6)

    return _record(
        n("1", 1),  # データ区分
        n(kind_code, 2),  # 種別コード
        n("0", 1),  # コード区分
        d(created),  # 作成日
        d(booked_from),  # 勘定日(自)
        d(booked_to),  # 勘定日(至)
        n(bank_code, 4),  # 銀行コード
        c(bank_name, 15),  # 銀行名
        n(branch_code, 3),  # 支店コード
        c(branch_name, 15),  # 支店名
        n(deposit_type, 1),  # 預金種目
        n(account_number, 7),  # 口座番号
        c(account_name, 40),  # 口座名
        c("", 93),  # ダミー
    )


def data(
    *,
    amount: int | str,
    name: str,
    reference: int | str = 1,
    booked: date | str = date(2026, 11, 30),
    value: date | str | None = None,
    other_bank: int | str = 0,
    requester_code: str = "",
    remitting_bank: str = "ﾎｸｴﾂ",
    remitting_branch: str = "ﾆｲｶﾞﾀ",
    cancel: str = " ",
    edi: str = "",
) -> bytes:
    def d(day: date | str) -> bytes:
        return n(era(day) if isinstance(day, date) else day, 6)

    return _record(
        n("2", 1),  # データ区分
        n(reference, 6),  # 照会番号
        d(booked),  # 勘定日
        d(booked if value is None else value),  # 起算日
        n(amount, 10),  # 金額
        n(other_bank, 10),  # うち他店券金額
        n(requester_code, 10) if requester_code else c("", 10),  # 振込依頼人コード (任意)
        c(name, 48),  # 振込依頼人名
        c(remitting_bank, 15),  # 仕向銀行名
        c(remitting_branch, 15),  # 仕向支店名
        n(cancel, 1) if cancel.strip() else c("", 1),  # 取消区分
        c(edi, 20),  # EDI情報
        c("", 52),  # ダミー
    )


def trailer(*, count: int | str, total: int | str, cancel_count: int = 0, cancel_total: int = 0) -> bytes:
    return _record(
        n("8", 1),  # データ区分
        n(count, 6),  # 振込合計件数
        n(total, 12),  # 振込合計金額
        n(cancel_count, 6),  # 取消合計件数
        n(cancel_total, 12),  # 取消合計金額
        c("", 163),  # ダミー
    )


def end() -> bytes:
    return _record(n("9", 1), c("", 199))  # データ区分, ダミー


def join(records: list[bytes], *, separator: bytes = CRLF) -> bytes:
    """Records one after another; with a separator, one after each record (as banks write it)."""
    return b"".join(record + separator for record in records)


def notice_file(transfers: list[dict], *, separator: bytes = CRLF, **header_fields) -> bytes:
    """A well-formed file: header, one data record per dict (keyword arguments of ``data``), trailer
    with the right count and sum, end."""
    records = [data(**{"reference": i, **t}) for i, t in enumerate(transfers, start=1)]
    amounts = [int(t["amount"]) for t in transfers]
    return join(
        [header(**header_fields), *records, trailer(count=len(amounts), total=sum(amounts)), end()],
        separator=separator,
    )
