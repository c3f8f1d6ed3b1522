"""Backup and restore (issue 12): a backup of a populated system restored into an empty database and
an empty media folder (a real restore, in a child process on its own database) verifies and holds the
same rows and bytes; a damaged backup and a non-empty target are refused and nothing is written."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from calsreg.billing.models import InvoiceDocument
from calsreg.records.backup.manifest import sha256_file
from calsreg.records.models import Evidence
from tests.billing.invoice_helpers import standard_tax_rate
from tests.lifecycle.helpers import OUTBOX_BACKEND, closed_project
from tests.plugins.processes import database_url, media_root

pytestmark = pytest.mark.django_db(transaction=True)

AT = datetime(2028, 1, 5, 1, 2, 3, tzinfo=UTC)  # 10:02:03 in Japan
NAME = "calsreg-backup-20280105-100203"

COUNTS = (
    "import json; from django.apps import apps; "
    "print(json.dumps({m._meta.label: m._default_manager.count() for m in apps.get_models()}))"
)


@pytest.fixture(autouse=True)
def _outbox_and_tax_rate(settings):
    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    standard_tax_rate()  # seeded by a migration, but a transactional test's flush removes it


def row_counts() -> dict[str, int]:
    from django.apps import apps

    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def media_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def empty_target(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An empty database of the test's kind and an empty media folder, as a child's environment."""
    media = tmp_path / "restored-media"
    media.mkdir()
    if connection.vendor != "postgresql":
        yield {"DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}", "CALSREG_MEDIA_ROOT": str(media)}
        return
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = database_url().rsplit("/", 1)[0] + f"/{name}"
    yield {"DATABASE_URL": url, "CALSREG_MEDIA_ROOT": str(media)}
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def take_backup(folder: Path) -> Path:
    with time_machine.travel(AT, tick=False):
        call_command("backup", str(folder))
    return folder / NAME


def target_counts(spawn, target: dict[str, str]) -> dict[str, int]:
    child = spawn("shell", "-c", COUNTS, env=target)
    assert child.wait() == 0, child.output()
    return json.loads(child.output().strip().splitlines()[-1])


@pytest.mark.slow
def test_a_backup_restored_into_an_empty_database_and_media_folder_verifies_with_the_same_rows_and_bytes(
    tmp_path, spawn, empty_target
):
    # given: a populated system (applications with evidence, an issued invoice with its PDF)
    life = closed_project()
    source_counts = row_counts()
    document = InvoiceDocument.objects.get(invoice=life.invoice)
    pdf_bytes = (Path(media_root()) / document.file.name).read_bytes()
    backup = take_backup(tmp_path / "backups")
    # when: restored by a separate process on the empty database and media folder
    child = spawn("restore", str(backup), env=empty_target)
    # then
    assert child.wait() == 0, child.output()
    assert "checked=" in child.output()
    assert "missing=0 checksum_mismatch=0 orphans=0" in child.output()
    assert target_counts(spawn, empty_target) == source_counts
    restored = Path(empty_target["CALSREG_MEDIA_ROOT"])
    assert (restored / document.file.name).read_bytes() == pdf_bytes
    assert media_files(restored) == media_files(Path(media_root()))
    assert Evidence.objects.count() >= 3 and source_counts["billing.InvoiceDocument"] == 1


def test_the_manifest_lists_the_dump_and_every_file_with_its_checksum(tmp_path):
    # given
    closed_project()
    # when
    backup = take_backup(tmp_path)
    # then
    manifest = json.loads((backup / "manifest.json").read_text())
    dump = backup / manifest["database"]["dump"]
    assert manifest["format_version"] == 1
    assert manifest["created_at"] == "2028-01-05T10:02:03+09:00"
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["database"]["sha256"] == sha256_file(dump)
    assert manifest["migrations"]["records"].startswith("00")
    media = Path(media_root())
    expected = sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())
    assert [entry["path"] for entry in manifest["files"]] == expected
    assert all(entry["sha256"] == sha256_file(media / entry["path"]) for entry in manifest["files"])
    assert manifest["extra_files"] == 0
    assert [p.name for p in tmp_path.iterdir()] == [NAME]


def test_a_file_without_a_row_is_copied_and_listed_as_extra(tmp_path):
    # given: a file left by an upload whose transaction rolled back
    closed_project()
    stray = Path(media_root()) / "evidence" / "2026" / "11" / "leftover.pdf"
    stray.write_bytes(b"%PDF-1.4 left behind")
    # when
    backup = take_backup(tmp_path)
    # then
    manifest = json.loads((backup / "manifest.json").read_text())
    extra = [entry["path"] for entry in manifest["files"] if entry["extra"]]
    assert extra == ["evidence/2026/11/leftover.pdf"]
    assert manifest["extra_files"] == 1
    assert (
        backup / "media" / "evidence" / "2026" / "11" / "leftover.pdf"
    ).read_bytes() == b"%PDF-1.4 left behind"


def tamper_one_evidence_byte(backup: Path) -> str:
    evidence = Evidence.objects.exclude(file="").order_by("pk").first()
    path = backup / "media" / evidence.file.name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return f"media/{evidence.file.name}"


def test_verify_backup_refuses_a_backup_with_one_evidence_byte_changed_and_names_the_file(tmp_path):
    # given
    closed_project()
    backup = take_backup(tmp_path)
    call_command("verify_backup", str(backup))  # intact: passes
    bad = tamper_one_evidence_byte(backup)
    # when
    with pytest.raises(CommandError) as refused:
        call_command("verify_backup", str(backup))
    # then
    assert str(refused.value).count("チェックサムが一致しません") == 1
    assert bad in str(refused.value)


@pytest.mark.slow
def test_restore_refuses_a_tampered_backup_and_writes_nothing_to_the_target(tmp_path, spawn, empty_target):
    # given
    closed_project()
    backup = take_backup(tmp_path / "backups")
    bad = tamper_one_evidence_byte(backup)
    # when
    child = spawn("restore", str(backup), env=empty_target)
    # then
    assert child.wait() != 0
    assert bad in child.output() and "チェックサムが一致しません" in child.output()
    assert _no_tables(spawn, empty_target)
    assert list(Path(empty_target["CALSREG_MEDIA_ROOT"]).iterdir()) == []


TABLES = (
    "from django.db import connection; "
    "c = connection.cursor(); print(len(connection.introspection.table_names(c)))"
)


def _no_tables(spawn, target: dict[str, str]) -> bool:
    child = spawn("shell", "-c", TABLES, env=target)
    assert child.wait() == 0, child.output()
    return child.output().strip().splitlines()[-1] == "0"


def test_restore_into_a_database_that_is_not_empty_is_refused_and_nothing_changes(tmp_path):
    # given: a backup, then more happened on the live system
    closed_project()
    backup = take_backup(tmp_path)
    before_rows = row_counts()
    before_files = media_files(Path(media_root()))
    # when: restored over it
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup))
    # then
    assert "復元先が空ではありません" in str(refused.value) and "--force" in str(refused.value)
    assert row_counts() == before_rows
    assert media_files(Path(media_root())) == before_files


def test_keep_prunes_the_oldest_complete_backups_and_an_interrupted_one_never_counts(tmp_path):
    # given: three backups and one that was interrupted half-way
    closed_project()
    for minute in (1, 2, 3):
        with time_machine.travel(datetime(2028, 1, 5, 1, minute, tzinfo=UTC), tick=False):
            call_command("backup", str(tmp_path))
    partial = tmp_path / ".calsreg-backup-20280105-100400.partial"
    (partial / "media").mkdir(parents=True)
    # when
    with time_machine.travel(datetime(2028, 1, 5, 1, 5, tzinfo=UTC), tick=False):
        call_command("backup", str(tmp_path), "--keep", "2")
    # then
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "calsreg-backup-20280105-100300",
        "calsreg-backup-20280105-100500",
    ]


def test_a_folder_without_a_manifest_is_refused_by_restore_and_verify(tmp_path):
    # given: what an interrupted backup leaves (no manifest.json)
    folder = tmp_path / ".calsreg-backup-20280105-100400.partial"
    folder.mkdir()
    before = row_counts()
    # when / then
    for command in ("verify_backup", "restore"):
        with pytest.raises(CommandError, match=r"manifest\.json"):
            call_command(command, str(folder))
    assert row_counts() == before


def test_a_manifest_naming_a_path_outside_the_backup_is_refused(tmp_path):
    # given: a manifest edited to write outside the media folder on restore
    closed_project()
    backup = take_backup(tmp_path)
    manifest = json.loads((backup / "manifest.json").read_text())
    shutil.copy(backup / "manifest.json", backup / "media" / "x")
    manifest["files"].append({"path": "../manifest.json", "size": 1, "sha256": "0" * 64, "extra": True})
    (backup / "manifest.json").write_text(json.dumps(manifest))
    # when
    with pytest.raises(CommandError) as refused:
        call_command("verify_backup", str(backup))
    # then
    assert "バックアップのフォルダの外を指しています" in str(refused.value)


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the lock is seen by other processes")
def test_the_retention_purge_waits_while_a_backup_runs_and_deletes_no_file_under_it(spawn):
    # given: an application past retention, and a backup in progress (it holds the lock)
    from calsreg.records.backup.lock import backup_lock
    from tests.lifecycle.helpers import FIRST_DAY_PURGED
    from tests.plugins.processes import wait_until

    closed_project()
    files = sorted(e.file.name for e in Evidence.objects.exclude(file=""))
    with backup_lock():
        # when: the daily purge starts meanwhile, in another process
        child = spawn("purge_personal_data", "--date", FIRST_DAY_PURGED.isoformat())
        # then: it waits; every file is still there
        with pytest.raises(AssertionError):
            wait_until(lambda: not child.alive(), timeout=3)
        assert sorted(e.file.name for e in Evidence.objects.exclude(file="")) == files
        assert all((Path(media_root()) / name).is_file() for name in files)
    # and once the backup is done, it purges
    assert child.wait() == 0, child.output()
    assert Evidence.objects.exclude(file="").count() < len(files)
