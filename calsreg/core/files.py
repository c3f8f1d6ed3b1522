"""Files kept with a row (evidence, invoice PDFs, billing-run files): a transaction that rolls back
leaves no file behind, a committed row never names a missing file, and a full disk is refused cleanly.

The design, the simplest one we found that is correct when a process dies at any point:

1. The bytes go to a temporary name in the final folder, ``.tmp-<token>-<final name>``, and are
   fsync'd. A write error (disk full, quota, file too large, I/O) removes the partial temporary file
   and raises ``StorageFull`` / ``StorageFailed``: the caller's transaction rolls back, nothing is left.
2. The final name is then hard-linked to the temporary file (a link never overwrites: a name taken
   meanwhile gets another) and the folder is fsync'd. The row is saved with that final name, so the
   file is complete under its name *before* the row commits: any reader that can see the row finds
   its file, and nothing remains to be done after the commit (a process killed right after its
   COMMIT loses nothing).
3. The temporary name stays as the marker "not committed yet"; ``transaction.on_commit`` removes it.
4. Django has no rollback hook, so a rolled-back file (final name and marker) is removed by
   - ``files_discarded_on_failure``, a block around a transaction, when an exception leaves it;
   - the end of a request (``request_finished``), for files whose commit hook did not run;
   - ``orphaned_files_sweep`` (a worker maintenance task), for markers older than
     ``CALSREG_FILES_PENDING_MAX_AGE_SECONDS`` (a process that died mid-transaction).
   Each first asks the database whether a row names the file: a file under a committed row is never
   removed (only its marker), even if another commit hook failed before ours ran.

Only a file-system storage is supported (the project's only storage).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asgiref.local import Local
from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.core.signals import request_finished
from django.db import DatabaseError, connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from calsreg.core import clock
from calsreg.core.errors import DomainError

TEMP_PREFIX = ".tmp-"
# ``.tmp-<32 hex>-<final file name>``: the final name is recoverable from the marker.
TEMP_NAME = re.compile(r"^\.tmp-[0-9a-f]{32}-(?P<final>.+)$")
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class StorageFailed(DomainError):
    """A kept file could not be written; nothing was stored (the transaction rolls back)."""

    code = "storage_failed"
    http_status = 503


class StorageFull(StorageFailed):
    """The file storage is full (or over quota); nothing was stored."""

    code = "storage_full"


@dataclass(frozen=True)
class _Pending:
    name: str  # the storage name the row keeps
    final: Path
    marker: Path


# Files written by this thread whose transaction has not committed yet, by marker path.
_local = Local()


def _pending() -> dict[Path, _Pending]:
    if not hasattr(_local, "pending"):
        _local.pending = {}
    return _local.pending  # type: ignore[no-any-return]


def file_keep(field_file: FieldFile, name: str, content: bytes) -> None:
    """Write ``content`` for ``field_file`` (its row not saved yet) under a name from ``name`` and the
    field's ``upload_to``; set ``field_file.name``. Never overwrites. Raises StorageFull/StorageFailed."""
    storage = field_file.storage
    field = field_file.field
    wanted = field.generate_filename(field_file.instance, name)
    final_name = storage.get_available_name(wanted, max_length=field.max_length)
    final = Path(storage.path(final_name))
    marker = final.with_name(f"{TEMP_PREFIX}{secrets.token_hex(16)}-{final.name}")
    linked = False
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        _write_synced(marker, content)
        # Ages are read in the application's clock (the sweep compares with ``clock.now()``).
        stamp = clock.now().timestamp()
        os.utime(marker, (stamp, stamp))
        final_name, final, marker = _link_free_name(storage, field, marker, final_name, final)
        linked = True
        _sync_folder(final.parent)
    except OSError as exc:
        for path in (marker, final) if linked else (marker,):
            with suppress(FileNotFoundError):
                path.unlink()
        raise _refusal(exc) from exc
    entry = _Pending(name=final_name, final=final, marker=marker)
    _pending()[entry.marker] = entry
    transaction.on_commit(lambda: _committed(entry), robust=True)
    field_file.name = final_name
    field_file._committed = True  # type: ignore[attr-defined]  # written: the row's save keeps it


def _write_synced(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _link_free_name(
    storage: Storage, field: models.FileField, marker: Path, final_name: str, final: Path
) -> tuple[str, Path, Path]:
    """Hard-link ``final`` to ``marker``; if the name was taken meanwhile, take another (and rename
    the marker to match, so it still names its final file)."""
    for _attempt in range(20):
        try:
            os.link(marker, final)
            return final_name, final, marker
        except FileExistsError:
            final_name = storage.get_available_name(final_name, max_length=field.max_length)
            final = Path(storage.path(final_name))
            renamed = final.with_name(f"{marker.name[: len(TEMP_PREFIX) + 33]}{final.name}")
            os.rename(marker, renamed)
            marker = renamed
    raise OSError(errno.EEXIST, "no free file name")


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _refusal(exc: OSError) -> StorageFailed:
    if exc.errno in _FULL_ERRNOS:
        return StorageFull(
            _(
                "保存先の空き容量が不足しているため、受け付けできませんでした。送信された内容は保存していません。"
                "時間をおいてもう一度送信してください。"
            )
        )
    return StorageFailed(
        _(
            "ファイルを保存できなかったため、受け付けできませんでした。送信された内容は保存していません。"
            "時間をおいてもう一度送信してください。"
        )
    )


def _committed(entry: _Pending) -> None:
    _pending().pop(entry.marker, None)
    with suppress(FileNotFoundError):
        entry.marker.unlink()


def _discard(entry: _Pending) -> bool:
    """Remove a file whose transaction did not commit — unless a row names it (then only its
    marker). Returns True if the file itself was removed. When the database cannot answer, keeps
    everything for the sweep to decide later."""
    _pending().pop(entry.marker, None)
    try:
        kept = file_is_referenced(entry.name)
    except DatabaseError:
        return False
    if not kept:
        with suppress(FileNotFoundError):
            entry.final.unlink()
    with suppress(FileNotFoundError):
        entry.marker.unlink()
    return not kept


def file_delete(storage: Storage, name: str) -> None:
    """Delete a kept file and any "not committed yet" marker of it (a hard link to the same bytes, left
    when a commit hook did not run): erasing a file must erase every name its bytes have."""
    final = Path(storage.path(name))
    for marker in final.parent.iterdir() if final.parent.is_dir() else ():
        match = TEMP_NAME.match(marker.name)
        if match is not None and match["final"] == final.name:
            with suppress(FileNotFoundError):
                marker.unlink()
    storage.delete(name)


def file_delete_after_commit(storage: Storage, name: str) -> None:
    """Delete a kept file once the transaction that deletes its row commits (call inside it).

    A "not committed yet" marker (a hard link, ``.tmp-…``) is made first, so the file is never lost
    from sight: the commit hook removes the file and the marker; if the process dies after the commit
    the sweep finds the marker stale, no row naming the file, and removes both; if the transaction
    rolls back the row still names the file and the sweep removes only the marker. A file already
    gone is ignored. Raises StorageFailed when the marker cannot be made (the row is then kept).
    """
    final = Path(storage.path(name))
    if not final.exists():
        return
    marker = final.with_name(f"{TEMP_PREFIX}{secrets.token_hex(16)}-{final.name}")
    try:
        os.link(final, marker)
        stamp = clock.now().timestamp()
        os.utime(marker, (stamp, stamp))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _refusal(exc) from exc
    transaction.on_commit(lambda: file_delete(storage, name), robust=True)


@contextmanager
def files_discarded_on_failure() -> Iterator[None]:
    """Remove the files ``file_keep`` wrote inside the block when an exception leaves it (wrap it
    around a transaction, outside its ``atomic``): no stored file without its row."""
    before = set(_pending())
    try:
        yield
    except BaseException:
        for marker, entry in list(_pending().items()):
            if marker not in before:
                _discard(entry)
        raise


def _discard_after_request(**_kwargs: object) -> None:
    """At the end of a request every transaction is over: a file still pending was rolled back."""
    if not _pending() or connection.in_atomic_block:
        return
    for entry in list(_pending().values()):
        _discard(entry)


request_finished.connect(_discard_after_request, dispatch_uid="calsreg.core.files.discard_after_request")


def kept_file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every file field of every model: the rows that may name a kept file."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]


def file_is_referenced(name: str) -> bool:
    """Whether a row (visible to this connection) names the storage file ``name``."""
    return any(
        model._base_manager.filter(**{field.name: name}).exists() for model, field in kept_file_fields()
    )


def kept_file_folders() -> list[Path]:
    """The top folders of the file fields (``evidence``, ``invoices``…) in the default storage."""
    root = media_root()
    tops = {str(field.upload_to).split("/", 1)[0] for _model, field in kept_file_fields()}
    return [root / top for top in sorted(tops) if top]


def media_root() -> Path:
    return Path(default_storage.path(""))


def storage_name_of(path: Path) -> str:
    return path.relative_to(media_root()).as_posix()


def pending_max_age_seconds() -> int:
    return int(getattr(settings, "FILES_PENDING_MAX_AGE_SECONDS", 3600))


def walk_kept_files() -> Iterator[Path]:
    """Every file under the kept-file folders (markers included)."""
    for folder in kept_file_folders():
        for dirpath, _dirnames, filenames in os.walk(folder):
            for filename in filenames:
                yield Path(dirpath) / filename


def marker_is_stale(path: Path, *, now: datetime) -> bool:
    """A marker older than the pending limit: its transaction is over (or its process died)."""
    try:
        modified = path.stat().st_mtime
    except FileNotFoundError:
        return False
    return now.timestamp() - modified > pending_max_age_seconds()


def orphaned_files_sweep(*, now: datetime | None = None) -> int:
    """Settle every stale marker: remove it and, if no row names its file, the file too (the
    transaction rolled back or its process died). Idempotent; several workers may run it at once.
    Returns how many files (markers included) were removed."""
    now = now or clock.now()
    removed = 0
    for path in walk_kept_files():
        match = TEMP_NAME.match(path.name)
        if match is None or not marker_is_stale(path, now=now):
            continue
        final = path.with_name(match["final"])
        if not file_is_referenced(storage_name_of(final)):
            with suppress(FileNotFoundError):
                final.unlink()
                removed += 1
        with suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed
