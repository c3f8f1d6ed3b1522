"""Refusals of uploaded workbooks, each with a message that says why and what to do.

The archive is inspected from its zip directory before openpyxl decompresses anything; then the
workbook is opened (defusedxml is installed, so openpyxl parses XML safely) and checked for the
form-version marker, the defined names and formulas in input cells.
"""

from __future__ import annotations

import logging
import warnings
import zipfile
from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils.cell import range_boundaries

from calsreg.applications.excel.cells import FORM_VERSION_NAME, InputCell, all_input_cells
from calsreg.applications.schema import FORM_VERSION
from calsreg.core.errors import UploadRefused
from calsreg.core.uploads import workbook_size_refuse

logger = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# An encrypted .xlsx is an OLE compound file with this stream (names are stored in UTF-16LE).
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
# Real workbook parts compress 5–30 times; a part shrunk more than this and larger than the floor
# is a decompression bomb, even under the total limit.
MAX_COMPRESSION_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_LABELS_LISTED = 5


def archive_check(*, content: bytes, filename: str) -> None:
    """Refuse what is not a plain .xlsx before anything is decompressed. Raises UploadRefused."""
    name = {"filename": filename}
    if not content:
        raise UploadRefused(
            _("「%(filename)s」は空のファイルです（0バイト）。記入した申込書（.xlsx）を選び直してください。")
            % name
        )
    workbook_size_refuse(size=len(content), filename=filename)
    _format_check(content, filename)
    try:
        archive = zipfile.ZipFile(BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        logger.info("unreadable zip %r: %s", filename, error)
        raise UploadRefused(_corrupt_message(filename)) from error
    with archive:
        _bomb_check(archive, filename)
        _macro_check(archive, filename)
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise UploadRefused(_not_xlsx_message(filename))


def _format_check(content: bytes, filename: str) -> None:
    """Tell apart the files people send by mistake: a PDF print, a password-protected book, an .xls."""
    name = {"filename": filename}
    if content.startswith(b"%PDF"):
        raise UploadRefused(
            _(
                "「%(filename)s」はPDFファイルです。PDFや印刷したものは読み取れません。"
                "記入したExcelファイル（.xlsx）をそのまま送ってください。"
            )
            % name
        )
    if content.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in content:
            raise UploadRefused(
                _(
                    "「%(filename)s」にはパスワードが設定されている（暗号化されている）ため読み取れません。"
                    "Excelの［ファイル］→［情報］→［ブックの保護］→［パスワードを使用して暗号化］で"
                    "パスワードを消して保存し、送り直してください。"
                )
                % name
            )
        raise UploadRefused(
            _(
                "「%(filename)s」は古い形式（Excel 97-2003 ブック .xls）のため読み取れません。"
                "ポータルからダウンロードした申込書（.xlsx）に記入し、"
                "「Excel ブック（*.xlsx）」形式のまま保存して送ってください。"
            )
            % name
        )
    if not content.startswith(ZIP_MAGICS):
        raise UploadRefused(_not_xlsx_message(filename))


def _not_xlsx_message(filename: str) -> str:
    return _(
        "「%(filename)s」はExcelブック（.xlsx）ではありません。ポータルからダウンロードした申込書に記入し、"
        "「Excel ブック（*.xlsx）」形式で保存して送ってください。"
    ) % {"filename": filename}


def _corrupt_message(filename: str) -> str:
    return _(
        "「%(filename)s」は壊れているか、途中までしか保存されていないため読み取れません。"
        "Excelで開けることを確かめてから保存し直し、送ってください。"
    ) % {"filename": filename}


def _bomb_check(archive: zipfile.ZipFile, filename: str) -> None:
    """Sizes come from the zip directory; zipfile stops at the declared size when reading, so a
    part cannot inflate past what is checked here."""
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    inflated = any(
        info.file_size > RATIO_FLOOR_BYTES
        and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        for info in infos
    )
    if total > settings.UPLOAD_MAX_UNCOMPRESSED_BYTES or inflated:
        logger.warning("zip bomb refused %r: %d bytes declared", filename, total)
        raise UploadRefused(
            _(
                "「%(filename)s」は展開すると異常に大きくなるため、安全のため読み取りを中止しました。"
                "ポータルからダウンロードした申込書に記入したファイルを送ってください。"
            )
            % {"filename": filename}
        )


def _macro_check(archive: zipfile.ZipFile, filename: str) -> None:
    has_vba = any(name.lower().endswith("vbaproject.bin") for name in archive.namelist())
    try:
        content_types = archive.read("[Content_Types].xml")
    except (KeyError, zipfile.BadZipFile, OSError):
        content_types = b""  # judged below as "not an .xlsx" or by openpyxl as corrupted
    if has_vba or b"macroenabled" in content_types.lower():
        raise UploadRefused(
            _(
                "「%(filename)s」はマクロを含むブック（.xlsm）のため受け付けできません。"
                "Excelの［名前を付けて保存］で「Excel ブック（*.xlsx）」形式を選んで保存し直し、送ってください。"
            )
            % {"filename": filename}
        )


def workbook_open(*, content: bytes, filename: str) -> Workbook:
    """Parse with formulas kept (data_only=False) so that formulas in input cells can be refused."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it drops (extensions, slicers); none matter here.
            warnings.simplefilter("ignore")
            return load_workbook(BytesIO(content), read_only=False, data_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many types (KeyError, ValueError, XML errors)
        logger.info("openpyxl could not parse %r: %r", filename, error)
        raise UploadRefused(_corrupt_message(filename)) from error


def named_cell(workbook: Workbook, name: str) -> Cell | None:
    """The single cell a workbook-level defined name points to, or None if missing or broken."""
    defined = workbook.defined_names.get(name)
    if defined is None:
        return None
    destinations = list(defined.destinations) if defined.type == "RANGE" else []
    if len(destinations) != 1:
        return None
    sheet_title, reference = destinations[0]
    if sheet_title not in workbook.sheetnames or not reference:
        return None
    try:
        min_col, min_row, max_col, max_row = range_boundaries(reference.replace("$", ""))
    except (ValueError, TypeError):
        return None
    if min_col is None or min_row is None or (min_col, min_row) != (max_col, max_row):
        return None
    cell = workbook[sheet_title].cell(row=min_row, column=min_col)
    return cell if isinstance(cell, Cell) else None


def form_version_check(*, workbook: Workbook, filename: str) -> str:
    """The form version, if it is the current one; other layouts are refused before being read."""
    cell = named_cell(workbook, FORM_VERSION_NAME)
    found = "" if cell is None or cell.value is None else str(cell.value).strip()
    if not found:
        raise UploadRefused(
            _(
                "「%(filename)s」は本システムの利用申込書ではないか、様式を確認できません。"
                "ポータルから最新の申込書をダウンロードし、記入し直して送ってください。"
            )
            % {"filename": filename}
        )
    if found != FORM_VERSION:
        raise UploadRefused(
            _(
                "「%(filename)s」は別の版の申込書です（この申込書: %(found)s、現在の様式: %(current)s）。"
                "ポータルから最新の申込書をダウンロードし、記入し直して送ってください。"
            )
            % {"filename": filename, "found": found[:40], "current": FORM_VERSION}
        )
    return found


def _listed(labels: list[str]) -> str:
    shown = "、".join(f"「{label}」" for label in labels[:MAX_LABELS_LISTED])
    if len(labels) > MAX_LABELS_LISTED:
        shown += _("ほか%(count)s欄") % {"count": len(labels) - MAX_LABELS_LISTED}
    return shown


def input_cells_locate(*, workbook: Workbook, filename: str) -> list[tuple[InputCell, Cell]]:
    """Every input cell found by its defined name; refuses, naming the fields, if any is gone."""
    located, missing = [], []
    for input_cell in all_input_cells():
        cell = named_cell(workbook, input_cell.defined_name)
        if cell is None:
            missing.append(input_cell.label)
        else:
            located.append((input_cell, cell))
    if missing:
        raise UploadRefused(
            _(
                "「%(filename)s」の申込書に次の欄が見つかりません: %(labels)s。"
                "シートや行・列を削除すると読み取れなくなります。"
                "ポータルから最新の申込書をダウンロードし、記入し直して送ってください。"
            )
            % {"filename": filename, "labels": _listed(missing)}
        )
    return located


def formulas_refuse(*, located: list[tuple[InputCell, Cell]]) -> None:
    """A formula's result depends on other cells and on Excel recalculating: values only."""
    labels = [input_cell.label for input_cell, cell in located if cell.data_type == "f"]
    if labels:
        raise UploadRefused(
            _("次の欄に数式が入っています: %(labels)s。数式ではなく、値を直接入力して送ってください。")
            % {"labels": _listed(labels)}
        )
