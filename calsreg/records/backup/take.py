"""Take one backup: ``calsreg-backup-YYYYmmdd-HHMMSS/`` with the database dump, a copy of the media
folder under ``media/`` and ``manifest.json``. Written under a hidden ``.partial`` name and renamed
at the end, so a backup that was interrupted never looks complete."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from calsreg.core import clock
from calsreg.records.backup import database
from calsreg.records.backup.lock import backup_lock
from calsreg.records.backup.manifest import (
    FORMAT_VERSION,
    MANIFEST_NAME,
    MEDIA_DIR,
    BackupInvalid,
    file_entry,
    files_under,
    sha256_file,
    write_manifest,
)

PREFIX = "calsreg-backup-"
COMPLETE_NAME = re.compile(r"^calsreg-backup-\d{8}-\d{6}$")
PARTIAL_SUFFIX = ".partial"


def media_root() -> Path:
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise BackupInvalid(
            _("ファイルの保存先がローカルのフォルダではないため、バックアップできません（%(backend)s）。")
            % {"backend": type(storage).__name__}
        )
    return Path(storage.location)


def backup_create(*, destination: Path, keep: int | None = None) -> Path:
    """Take a backup into a new folder under ``destination``; then keep only the newest ``keep``."""
    destination.mkdir(parents=True, exist_ok=True)
    now = timezone.localtime(clock.now())
    final = destination / f"{PREFIX}{now:%Y%m%d-%H%M%S}"
    if final.exists():
        raise BackupInvalid(
            _("%(name)s はすでにあります。1秒待ってからやり直してください。") % {"name": final.name}
        )
    partial = destination / f".{final.name}{PARTIAL_SUFFIX}"
    with backup_lock():
        # Under the lock no other backup runs: a .partial left here is from one that was interrupted.
        _remove_partials(destination)
        partial.mkdir()
        dump = partial / database.dump_name()
        database.dump_database(target=dump)  # first: every row in it then finds its file below
        files = _copy_media(source=media_root(), target=partial / MEDIA_DIR)
        referenced = _referenced_file_names()
    for entry in files:
        entry["extra"] = entry["path"] not in referenced
    write_manifest(folder=partial, data=_manifest_data(now=now, dump=dump, files=files))
    partial.rename(final)
    if keep is not None:
        backups_prune(destination=destination, keep=keep)
    return final


def backups_prune(*, destination: Path, keep: int) -> list[Path]:
    """Delete the complete backups but the newest ``keep``; the folders deleted."""
    complete = sorted(
        path
        for path in destination.iterdir()
        if path.is_dir() and COMPLETE_NAME.match(path.name) and (path / MANIFEST_NAME).is_file()
    )
    removed = complete[: max(len(complete) - max(keep, 1), 0)]
    for path in removed:
        shutil.rmtree(path)
    return removed


def _remove_partials(destination: Path) -> None:
    for path in destination.iterdir():
        if path.is_dir() and path.name.startswith(f".{PREFIX}") and path.name.endswith(PARTIAL_SUFFIX):
            shutil.rmtree(path)


def _copy_media(*, source: Path, target: Path) -> list[dict[str, Any]]:
    target.mkdir()
    entries: list[dict[str, Any]] = []
    if not source.is_dir():
        return entries
    for path in files_under(source):
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, copy)
        except FileNotFoundError:
            continue  # removed since listed: a rolled-back upload's file (no row refers to it)
        entries.append(file_entry(root=target, path=copy))
    return entries


def _referenced_file_names() -> set[str]:
    """The names every file field of every model holds (read after the dump, under the lock: a file
    of a row committed since the dump may count as referenced; no purged one can)."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                values = model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                names.update(str(value) for value in values if value)
    return names


def _manifest_data(*, now: datetime, dump: Path, files: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "created_at": now.isoformat(),
        "calsreg_version": _version(),
        "migrations": database.migration_heads(),
        "database": {
            "vendor": connection.vendor,
            "dump": dump.name,
            "size": dump.stat().st_size,
            "sha256": sha256_file(dump),
        },
        "files": files,
        "extra_files": sum(1 for entry in files if entry["extra"]),
    }


def _version() -> str:
    try:
        return metadata.version("calsreg")
    except metadata.PackageNotFoundError:
        return "unknown"
