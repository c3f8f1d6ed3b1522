"""Helpers for the Excel tests: fill a generated workbook through its defined names, rebuild zips.

Cells are resolved here independently of the reader, so a bug in the reader's name lookup cannot
hide itself in both the filling and the reading.
"""

from __future__ import annotations

import zipfile
from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

OFFICES = ["新潟地域振興局 地域整備部", "長岡地域振興局 地域整備部", "佐渡地域振興局 地域整備部"]

FIELD_VALUES: dict[str, Any] = {
    "office": "長岡地域振興局 地域整備部",
    "project_number": "R8-長岡-土木-0042",
    "project_name": "信濃川護岸設置工事",
    "project_location": "長岡市〇〇町地内",
    "period_start": date(2026, 12, 1),
    "period_end": date(2027, 3, 19),
    "contract_amount": 48400000,
    "contract_date": date(2026, 11, 20),
    "contractor_name": "株式会社越後建設",
    "contractor_kana": "カブシキガイシャエチゴケンセツ",
    "contractor_representative": "越後 太郎",
    "contractor_postcode": "940-0062",
    "contractor_address": "新潟県長岡市大手通1丁目1番地",
    "contractor_phone": "0258-00-0000",
    "applicant_name": "信濃 花子",
    "applicant_kana": "シナノ ハナコ",
    "applicant_email": "hanako@echigo-kensetsu.example.jp",
    "applicant_phone": "090-1234-5678",
    "billing_addressee": "株式会社越後建設",
    "billing_department": "経理部",
    "billing_postcode": "940-0063",
    "billing_address": "新潟県長岡市大手通2丁目2番地",
    "billing_phone": "0258-00-0001",
}
ROLES = ["現場代理人", "監理技術者・主任技術者", "担当技術者", "その他"]
SUPERVISORS = [("佐藤 一郎", "主任監督員"), ("鈴木 次郎", "監督員"), ("高橋 三郎", "総括監督員")]


def user_row(slot: int) -> dict[str, str]:
    return {
        "role": ROLES[(slot - 1) % len(ROLES)],
        "name": f"越後 利用者{slot}",
        "kana": "エチゴ リヨウシャ",
        "email": f"user{slot}@echigo-kensetsu.example.jp",
        "phone": f"090-0000-{slot:04d}",
        "requested_id": f"user{slot:02d}",
    }


def complete_values() -> dict[str, Any]:
    """A value for every input cell of the form, by defined name."""
    values = {f"F_{key}": value for key, value in FIELD_VALUES.items()}
    for slot in range(1, 11):
        values.update({f"U{slot:02d}_{key}": value for key, value in user_row(slot).items()})
    for slot, (name, title) in enumerate(SUPERVISORS, start=1):
        values[f"S{slot:02d}_name"], values[f"S{slot:02d}_title"] = name, title
    values["F_terms_accepted"] = "同意する"
    return values


def complete_payload() -> dict[str, Any]:
    """What the reader must return for ``complete_values()``."""
    texts = {
        key: value.isoformat() if isinstance(value, date) else str(value)
        for key, value in FIELD_VALUES.items()
    }
    return {
        "form_version": "CALSREG-APP-2026.1",
        **texts,
        "users": [{"position": slot, **user_row(slot)} for slot in range(1, 11)],
        "supervisor_names": [{"name": name, "title": title} for name, title in SUPERVISORS],
        "terms_accepted": "同意する",
    }


def cell_by_name(workbook: Workbook, name: str) -> Cell:
    ((sheet, reference),) = workbook.defined_names[name].destinations
    return workbook[sheet][reference.replace("$", "")]


def edited(content: bytes, edit: Any) -> bytes:
    """``content`` loaded, passed to ``edit(workbook)`` and saved again."""
    workbook = load_workbook(BytesIO(content))
    edit(workbook)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def filled(content: bytes, values: dict[str, Any]) -> bytes:
    def write(workbook: Workbook) -> None:
        for name, value in values.items():
            cell_by_name(workbook, name).value = value

    return edited(content, write)


def rezipped(
    content: bytes, *, extra: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None
) -> bytes:
    """The same zip with entries replaced or added (for macro and content-type cases)."""
    replace, extra = replace or {}, extra or {}
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, data in extra.items():
            target.writestr(name, data)
    return out.getvalue()
