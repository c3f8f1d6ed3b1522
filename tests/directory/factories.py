"""Builders of directory CSV files for the tests: a valid row by default, overridden per test."""

from __future__ import annotations

import csv
import io

from calsreg.directory.csv_format import COLUMNS
from calsreg.directory.models import OrdererOffice, OrdererOrganisation, Supervisor
from calsreg.records.models import AuditEvent


def row(**overrides: str) -> dict[str, str]:
    values = {
        "organisation_code": "15",
        "organisation_name": "新潟県",
        "office_code": "1503",
        "office_name": "新潟地域振興局 地域整備部",
        "office_postcode": "950-0965",
        "office_address": "新潟県新潟市中央区新光町4-1",
        "office_phone": "025-280-5311",
        "code": "150301",
        "name": "山田　直樹",
        "kana": "ヤマダ　ナオキ",
        "title": "主任監督員",
        "email": "yamada.n@niigata.pref-niigata.example",
        "phone": "025-280-8101",
        "active": "1",
    }
    values.update(overrides)
    return values


def two_offices() -> list[dict[str, str]]:
    """Three supervisors at two offices of one organisation."""
    return [
        row(),
        row(
            code="150302",
            name="本間　彩",
            kana="ホンマ　アヤ",
            title="監督員",
            email="homma.a@niigata.pref-niigata.example",
            phone="025-280-8102",
        ),
        row(
            office_code="1505",
            office_name="長岡地域振興局 地域整備部",
            office_postcode="940-8567",
            office_address="新潟県長岡市沖田2-173-2",
            office_phone="0258-38-2511",
            code="150501",
            name="星野　亮",
            kana="ホシノ　リョウ",
            title="総括監督員",
            email="hoshino.r@nagaoka.pref-niigata.example",
            phone="0258-38-8101",
        ),
    ]


def csv_bytes(
    rows: list[dict[str, str]], *, encoding: str = "utf-8-sig", headers: list[str] | None = None
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers or list(COLUMNS.values()))
    for values in rows:
        writer.writerow([values[key] for key in COLUMNS])
    return buffer.getvalue().encode(encoding)


def record_counts() -> dict[str, int]:
    return {
        "organisations": OrdererOrganisation.objects.count(),
        "offices": OrdererOffice.objects.count(),
        "supervisors": Supervisor.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }
