"""``manifest.json``: what a backup holds, with a SHA-256 for the dump and for every file, so a backup
can be checked (``verify_backup``) without restoring it and a corrupted one is refused before restore
touches anything."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from calsreg.core.errors import DomainError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MEDIA_DIR = "media"


class BackupInvalid(DomainError):
    """The backup folder is not a complete, intact backup (the message names the file)."""

    code = "backup_invalid"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(*, root: Path, path: Path) -> dict[str, Any]:
    return {
        "path": path.relative_to(root).as_posix(),
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
    }


def files_under(root: Path) -> Iterator[Path]:
    """Regular files only, sorted, so two manifests of the same files are identical."""
    return (path for path in sorted(root.rglob("*")) if path.is_file() and not path.is_symlink())


def write_manifest(*, folder: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    (folder / MANIFEST_NAME).write_text(text + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Manifest:
    folder: Path
    data: dict[str, Any]

    @property
    def vendor(self) -> str:
        return str(self.data["database"]["vendor"])

    @property
    def dump_path(self) -> Path:
        return self.folder / self.data["database"]["dump"]

    @property
    def files(self) -> list[dict[str, Any]]:
        return list(self.data["files"])

    def media_path(self, entry: dict[str, Any]) -> Path:
        return self.folder / MEDIA_DIR / entry["path"]


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupInvalid(
            _(
                "バックアップの manifest.json を読めません（%(path)s）。完了したバックアップのフォルダを指定してください。"
            )
            % {"path": path}
        ) from exc
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupInvalid(
            _("manifest.json の形式（%(version)s）に対応していません。")
            % {"version": data.get("format_version")}
        )
    return Manifest(folder=folder, data=data)


def manifest_problems(manifest: Manifest) -> list[str]:
    """Every file of the backup that is missing or whose size or checksum differs (empty: intact)."""
    database = manifest.data["database"]
    media = manifest.folder / MEDIA_DIR
    checks = [(manifest.dump_path, database["size"], database["sha256"], manifest.folder)]
    checks += [
        (manifest.media_path(entry), entry["size"], entry["sha256"], media) for entry in manifest.files
    ]
    problems = []
    for path, size, digest, within in checks:
        shown = path.relative_to(manifest.folder).as_posix()
        if not _inside(path, within):
            problems.append(_("%(path)s: バックアップのフォルダの外を指しています") % {"path": shown})
        elif not path.is_file():
            problems.append(_("%(path)s: ファイルがありません") % {"path": shown})
        elif path.stat().st_size != size or sha256_file(path) != digest:
            problems.append(_("%(path)s: チェックサムが一致しません（破損または改ざん）") % {"path": shown})
    return problems


def _inside(path: Path, folder: Path) -> bool:
    # A manifest is data from disk: "../../etc/x" must not make restore read or write outside.
    return path.resolve().is_relative_to(folder.resolve())
