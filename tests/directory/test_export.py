"""Exporting the directory, the round trip through the import, and the two management commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from calsreg.directory.import_report import ChangeCounts
from calsreg.directory.models import Supervisor
from calsreg.directory.services import directory_export_csv, directory_import_csv
from calsreg.records.services import Actor
from tests.directory.factories import csv_bytes, record_counts, row, two_offices

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")


def test_export_is_utf8_with_bom_in_the_import_layout(django_assert_num_queries):
    directory_import_csv(content=csv_bytes([row(active="0")]), actor=ACTOR)

    with django_assert_num_queries(1):
        content = directory_export_csv()

    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").split("\r\n") == [
        "機関コード,発注機関名,事務所コード,事務所名,事務所郵便番号,事務所住所,事務所電話番号,"
        "職員コード,氏名,氏名フリガナ,役職,メールアドレス,電話番号,有効",
        "15,新潟県,1503,新潟地域振興局 地域整備部,950-0965,新潟県新潟市中央区新光町4-1,025-280-5311,"
        "150301,山田　直樹,ヤマダ　ナオキ,主任監督員,yamada.n@niigata.pref-niigata.example,025-280-8101,0",
        "",
    ]


def test_export_then_import_is_unchanged():
    directory_import_csv(content=csv_bytes(two_offices()), actor=ACTOR)
    before = record_counts()

    report = directory_import_csv(content=directory_export_csv(), actor=ACTOR)

    assert report.errors == []
    assert (report.organisations, report.offices, report.supervisors) == (
        ChangeCounts(unchanged=1),
        ChangeCounts(unchanged=2),
        ChangeCounts(unchanged=3),
    )
    assert record_counts() == before


def test_export_of_an_empty_directory_is_the_header_only():
    assert directory_export_csv().decode("utf-8-sig").count("\r\n") == 1


def test_import_command_prints_the_report(tmp_path):
    path = tmp_path / "directory.csv"
    path.write_bytes(csv_bytes(two_offices()))
    out = io.StringIO()

    call_command("directory_import", str(path), stdout=out)

    assert out.getvalue().splitlines()[0] == "取り込みました: 3行。"
    assert Supervisor.objects.count() == 3


def test_import_command_dry_run_saves_nothing(tmp_path):
    path = tmp_path / "directory.csv"
    path.write_bytes(csv_bytes(two_offices()))
    out = io.StringIO()

    call_command("directory_import", str(path), "--dry-run", stdout=out)

    assert out.getvalue().splitlines() == [
        "確認のみ（登録していません）: 3行、エラーなし。取り込むと次のとおりです。",
        "発注機関: 新規 1、更新 0、変更なし 0",
        "発注事務所: 新規 2、更新 0、変更なし 0",
        "監督員: 新規 3、更新 0、変更なし 0",
    ]
    assert Supervisor.objects.count() == 0


def test_import_command_fails_with_the_errors_on_stderr(tmp_path):
    path = tmp_path / "directory.csv"
    path.write_bytes(csv_bytes([row(phone="")]))
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"^1 error\(s\); nothing was imported$"):
        call_command("directory_import", str(path), stderr=err)

    assert err.getvalue().splitlines()[1] == "2行目「電話番号」: 「電話番号」が空欄です。入力してください。"
    assert Supervisor.objects.count() == 0


def test_import_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("directory_import", str(tmp_path / "missing.csv"))


def test_export_command_writes_the_file(tmp_path):
    directory_import_csv(content=csv_bytes(two_offices()), actor=ACTOR)
    path = tmp_path / "out.csv"

    call_command("directory_export", "--output", str(path), stdout=io.StringIO())

    assert path.read_bytes() == directory_export_csv()


def test_export_command_without_output_writes_to_stdout():
    directory_import_csv(content=csv_bytes([row()]), actor=ACTOR)
    out = io.StringIO()

    call_command("directory_export", stdout=out)

    assert out.getvalue().encode("utf-8") == directory_export_csv()
