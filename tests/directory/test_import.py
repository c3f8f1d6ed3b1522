"""Importing the directory CSV: creation, updates, idempotence, encodings and headers."""

from __future__ import annotations

import pytest

from calsreg.directory.import_report import ChangeCounts
from calsreg.directory.models import OrdererOffice, OrdererOrganisation, Supervisor
from calsreg.directory.services import directory_import_csv
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.directory.factories import csv_bytes, record_counts, row, two_offices

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")


def test_import_creates_organisation_offices_supervisors_and_audit_events():
    report = directory_import_csv(content=csv_bytes(two_offices()), actor=ACTOR)

    assert report.errors == []
    assert report.saved is True
    assert report.rows == 3
    assert report.encoding == "utf-8-sig"
    assert report.organisations == ChangeCounts(created=1)
    assert report.offices == ChangeCounts(created=2)
    assert report.supervisors == ChangeCounts(created=3)
    assert list(OrdererOrganisation.objects.values_list("code", "name")) == [("15", "新潟県")]
    assert list(OrdererOffice.objects.values_list("code", "organisation__code", "name", "active")) == [
        ("1503", "15", "新潟地域振興局 地域整備部", True),
        ("1505", "15", "長岡地域振興局 地域整備部", True),
    ]
    assert list(Supervisor.objects.values_list("code", "office__code", "title", "active")) == [
        ("150301", "1503", "chief_supervisor", True),
        ("150302", "1503", "supervisor", True),
        ("150501", "1505", "general_supervisor", True),
    ]
    assert list(AuditEvent.objects.order_by("id").values_list("action", "subject_type", "actor_label")) == [
        ("directory.organisation_created", "ordererorganisation", "test"),
        ("directory.office_created", "ordereroffice", "test"),
        ("directory.office_created", "ordereroffice", "test"),
        ("directory.supervisor_created", "supervisor", "test"),
        ("directory.supervisor_created", "supervisor", "test"),
        ("directory.supervisor_created", "supervisor", "test"),
    ]
    yamada = Supervisor.objects.get(code="150301")
    event = AuditEvent.objects.get(action="directory.supervisor_created", subject_id=yamada.pk)
    assert event.data == {
        "code": "150301",
        "source": "csv",
        "before": {},
        "after": {
            "office": "1503",
            "name": "山田　直樹",
            "kana": "ヤマダ　ナオキ",
            "title": "chief_supervisor",
            "email": "yamada.n@niigata.pref-niigata.example",
            "phone": "025-280-8101",
            "active": True,
        },
    }
    assert event.summary_display == "監督員 150301（山田　直樹）を名簿CSVから登録しました。"


def test_reimport_of_the_same_file_changes_nothing_and_writes_no_audit_event():
    content = csv_bytes(two_offices())
    directory_import_csv(content=content, actor=ACTOR)
    before = record_counts()

    report = directory_import_csv(content=content, actor=ACTOR)

    assert report.errors == []
    assert report.organisations == ChangeCounts(unchanged=1)
    assert report.offices == ChangeCounts(unchanged=2)
    assert report.supervisors == ChangeCounts(unchanged=3)
    assert record_counts() == before


def test_import_updates_only_changed_fields_and_audits_before_and_after():
    directory_import_csv(content=csv_bytes(two_offices()), actor=ACTOR)
    rows = two_offices()
    rows[0] |= {"phone": "025-280-8199", "active": "0"}
    rows[0]["office_phone"] = rows[1]["office_phone"] = "025-280-5399"
    last_event_id = AuditEvent.objects.latest("id").id

    report = directory_import_csv(content=csv_bytes(rows), actor=ACTOR)

    assert report.organisations == ChangeCounts(unchanged=1)
    assert report.offices == ChangeCounts(updated=1, unchanged=1)
    assert report.supervisors == ChangeCounts(updated=1, unchanged=2)
    yamada = Supervisor.objects.get(code="150301")
    assert (yamada.phone, yamada.active) == ("025-280-8199", False)
    events = list(AuditEvent.objects.filter(id__gt=last_event_id).order_by("id"))
    assert [(e.action, e.data) for e in events] == [
        (
            "directory.office_updated",
            {
                "code": "1503",
                "source": "csv",
                "before": {"phone": "025-280-5311"},
                "after": {"phone": "025-280-5399"},
            },
        ),
        (
            "directory.supervisor_updated",
            {
                "code": "150301",
                "source": "csv",
                "before": {"phone": "025-280-8101", "active": True},
                "after": {"phone": "025-280-8199", "active": False},
            },
        ),
    ]


def test_supervisor_moved_to_another_office_is_updated_with_the_office_code_in_the_audit():
    directory_import_csv(content=csv_bytes(two_offices()), actor=ACTOR)
    rows = two_offices()
    rows[1] |= {
        k: rows[2][k]
        for k in ("office_code", "office_name", "office_postcode", "office_address", "office_phone")
    }

    directory_import_csv(content=csv_bytes(rows), actor=ACTOR)

    assert Supervisor.objects.get(code="150302").office.code == "1505"
    event = AuditEvent.objects.filter(action="directory.supervisor_updated").get()
    assert (event.data["before"], event.data["after"]) == ({"office": "1503"}, {"office": "1505"})


def test_supervisors_absent_from_the_file_are_kept():
    directory_import_csv(content=csv_bytes(two_offices()), actor=ACTOR)

    report = directory_import_csv(content=csv_bytes([row()]), actor=ACTOR)

    assert report.supervisors == ChangeCounts(unchanged=1)
    assert Supervisor.objects.filter(active=True).count() == 3


def test_shift_jis_file_without_bom_is_read():
    # CP932, as Excel in Japan saves "CSV (comma separated)"; 髙 exists only in Microsoft's extension.
    content = csv_bytes([row(name="髙橋　誠", kana="タカハシ　マコト")], encoding="cp932")
    assert not content.startswith(b"\xef\xbb\xbf")

    report = directory_import_csv(content=content, actor=ACTOR)

    assert report.errors == []
    assert report.encoding == "cp932"
    assert Supervisor.objects.get().name == "髙橋　誠"
    assert OrdererOffice.objects.get().name == "新潟地域振興局 地域整備部"


def test_utf8_file_without_bom_and_english_headers_is_read():
    headers = [
        "organisation_code", "organisation_name", "office_code", "office_name", "office_postcode",
        "office_address", "office_phone", "supervisor_code", "name", "kana", "title", "email", "phone", "active",
    ]  # fmt: skip
    content = csv_bytes([row(title="chief_supervisor", active="有効")], encoding="utf-8", headers=headers)

    report = directory_import_csv(content=content, actor=ACTOR)

    assert report.errors == []
    assert report.encoding == "utf-8"
    assert Supervisor.objects.values_list("title", "active").get() == ("chief_supervisor", True)


def test_input_is_normalised_before_saving():
    content = csv_bytes(
        [
            row(
                name=" 山田 直樹\u3000",
                kana="ﾔﾏﾀﾞ なおき",
                email="ｙａｍａｄａ.n@Niigata.PREF-NIIGATA.example",
                phone="０２５２８０８１０１",
                office_postcode="〒9500965",
                code="１５０３０１",
                active="無効",
            )
        ]
    )

    report = directory_import_csv(content=content, actor=ACTOR)

    assert report.errors == []
    assert Supervisor.objects.values_list("code", "name", "kana", "email", "phone", "active").get() == (
        "150301",
        "山田　直樹",
        "ヤマダ　ナオキ",
        "yamada.n@niigata.pref-niigata.example",
        "025-280-8101",
        False,
    )
    assert OrdererOffice.objects.get().postcode == "950-0965"


def test_dry_run_reports_what_would_change_and_saves_nothing():
    before = record_counts()

    report = directory_import_csv(content=csv_bytes(two_offices()), actor=ACTOR, dry_run=True)

    assert report.errors == []
    assert report.saved is False
    assert report.supervisors == ChangeCounts(created=3)
    assert record_counts() == before


def test_blank_rows_and_unknown_columns_are_ignored():
    content = csv_bytes([row()]) + b",,,,,,,,,,,,,\r\n"
    content = content.replace("有効\r\n".encode(), "有効,備考\r\n".encode(), 1)

    report = directory_import_csv(content=content, actor=ACTOR)

    assert report.errors == []
    assert report.rows == 1
    assert report.ignored_columns == ["備考"]
    assert report.lines() == [
        "取り込みました: 1行。",
        "発注機関: 新規 1、更新 0、変更なし 0",
        "発注事務所: 新規 1、更新 0、変更なし 0",
        "監督員: 新規 1、更新 0、変更なし 0",
        "使わなかった列: 備考",
    ]
