"""Kept files and their rows together: a rollback leaves no file, a commit leaves the file under its
name only, a write error refuses cleanly, and the sweep settles what a dead process left."""

from __future__ import annotations

import errno
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.signals import request_finished
from django.db import transaction

from calsreg.core.files import StorageFailed, StorageFull, files_discarded_on_failure
from calsreg.records.models import Evidence
from calsreg.records.services import Actor, evidence_store, files_orphaned_sweep
from tests.factories import OfficeFactory

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def _media_files() -> list[str]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _store(content: bytes = b"original") -> Evidence:
    return evidence_store(
        content=content,
        original_name="form.xlsx",
        content_type="application/octet-stream",
        kind="other",
        subject=OfficeFactory(),
        actor=Actor.system(),
    )


class _Refused(Exception):
    pass


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_transaction_that_rolls_back_leaves_no_file_and_no_row():
    # when: the file is written, then the transaction fails
    with pytest.raises(_Refused), files_discarded_on_failure(), transaction.atomic():
        _store()
        raise _Refused

    # then
    assert (Evidence.objects.count(), _media_files()) == (0, [])


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_commit_leaves_the_file_under_the_rows_name_only():
    # when
    with transaction.atomic():
        evidence = _store(b"kept bytes")

    # then: the temporary name is gone, the row's name holds the bytes
    assert _media_files() == [evidence.file.name]
    assert evidence.file.name == "evidence/2026/11/" + evidence.sha256[:16] + ".xlsx"
    assert Path(evidence.file.path).read_bytes() == b"kept bytes"


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_silent_rollback_is_cleaned_up_when_the_request_ends():
    # given: a transaction rolled back without an exception (nothing but the request's end sees it)
    with transaction.atomic():
        _store()
        transaction.set_rollback(True)
    assert len(_media_files()) == 2  # the file and its "not committed" marker

    # when
    request_finished.send(sender=None)

    # then
    assert (Evidence.objects.count(), _media_files()) == (0, [])


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_full_disk_refuses_with_a_japanese_message_and_leaves_no_partial_file(monkeypatch):
    # given: the disk fills up while the bytes are flushed
    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("calsreg.core.files.os.fsync", full)

    # when
    with pytest.raises(StorageFull) as refused:
        _store(b"x" * 10_000)

    # then
    assert refused.value.http_status == 503
    assert "空き容量が不足しているため、受け付けできませんでした" in refused.value.message
    assert (Evidence.objects.count(), _media_files()) == (0, [])


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_an_io_error_refuses_as_a_storage_failure(monkeypatch):
    def broken(_fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("calsreg.core.files.os.fsync", broken)

    with pytest.raises(StorageFailed) as refused:
        _store()

    assert not isinstance(refused.value, StorageFull)
    assert "ファイルを保存できなかったため" in refused.value.message
    assert _media_files() == []


@pytest.mark.django_db
def test_the_sweep_removes_a_dead_transactions_file_after_an_hour_and_not_before():
    # given: a process wrote a file and died before its transaction committed (rolled back here)
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        _store()
        transaction.set_rollback(True)
    assert len(_media_files()) == 2

    # when: 59 minutes later, then 61 minutes later
    with time_machine.travel(NOW + timedelta(minutes=59), tick=False):
        early = files_orphaned_sweep()
    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        late = files_orphaned_sweep()
        again = files_orphaned_sweep()

    # then: the file and its marker went, once
    assert (early, late, again) == (0, 2, 0)
    assert _media_files() == []


@pytest.mark.django_db
def test_the_sweep_keeps_a_committed_rows_file_and_removes_only_its_marker():
    # given: a committed row whose commit hook never ran (the process died right after COMMIT)
    with time_machine.travel(NOW, tick=False):
        evidence = _store()
    assert len(_media_files()) == 2

    # when
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        removed = files_orphaned_sweep()

    # then
    assert removed == 1
    assert _media_files() == [evidence.file.name]
