"""Check a backup (every checksum, before anything is touched) and restore it into an empty database
and an empty media folder (or over a non-empty one when the operator forces it)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from calsreg.core.errors import Conflict
from calsreg.records.backup import database
from calsreg.records.backup.manifest import (
    BackupInvalid,
    Manifest,
    files_under,
    manifest_problems,
    read_manifest,
)
from calsreg.records.backup.take import media_root


def backup_check(*, folder: Path) -> Manifest:
    """The backup's manifest once every file in it is intact; ``BackupInvalid`` naming the bad ones."""
    manifest = read_manifest(folder)
    problems = manifest_problems(manifest)
    if problems:
        raise BackupInvalid(
            _("バックアップが完全ではありません。何も変更していません。\n%(problems)s")
            % {"problems": "\n".join(problems)}
        )
    return manifest


def backup_restore(*, folder: Path, force: bool, report: Callable[[str], None]) -> Manifest:
    """Restore the database and the files of the backup in ``folder``; refused (nothing written)
    when the backup is damaged, of another database kind, or the target is not empty without ``force``."""
    manifest = backup_check(folder=folder)
    if manifest.vendor != connection.vendor:
        raise Conflict(
            _("このバックアップは %(backup)s のものです。%(target)s のデータベースには復元できません。")
            % {"backup": manifest.vendor, "target": connection.vendor}
        )
    media = media_root()
    tables = database.database_tables()
    existing = list(files_under(media)) if media.is_dir() else []
    if (tables or existing) and not force:
        raise Conflict(
            _(
                "復元先が空ではありません（テーブル %(tables)s 個、ファイル %(files)s 個）。何も変更していません。"
                "空のデータベースとファイル置き場を用意するか、上書きしてよければ --force を付けてください。"
            )
            % {"tables": len(tables), "files": len(existing)}
        )
    if tables or existing:
        report(
            _(
                "--force: データベース（テーブル %(tables)s 個）をバックアップの内容で置き換え、"
                "ファイル置き場（%(media)s、ファイル %(files)s 個）に同じ名前のファイルを上書きします。"
                "バックアップにないファイルは残ります（verify_evidence が報告します）。"
            )
            % {"tables": len(tables), "media": media, "files": len(existing)}
        )
    database.restore_database(dump=manifest.dump_path, replace=bool(tables))
    _restore_files(manifest=manifest, media=media)
    connection.close()  # the next query reconnects and sees the restored schema
    return manifest


def _restore_files(*, manifest: Manifest, media: Path) -> None:
    for entry in manifest.files:
        target = media / entry["path"]
        if not target.resolve().is_relative_to(media.resolve()):
            raise BackupInvalid(_("%(path)s: ファイル置き場の外を指しています") % {"path": entry["path"]})
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(manifest.media_path(entry), target)
