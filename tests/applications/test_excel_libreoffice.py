"""A filled workbook re-saved by LibreOffice Calc still reads back to the same values.

Many contractors use LibreOffice. It rewrites the whole file: it turns the very-hidden marker sheet
into a hidden one, rewrites the defined names and may change how dates are stored.
"""

import os
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from calsreg.applications.excel import workbook_build, workbook_read
from tests.applications.files.workbooks import OFFICES, complete_payload, complete_values, filled

pytestmark = pytest.mark.slow

SOFFICE_TIMEOUT_SECONDS = 180


def _soffice() -> str:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: install Debian's libreoffice-calc")
        pytest.skip("LibreOffice (soffice / libreoffice) is not installed on this machine")
    return binary


def _resaved_by_libreoffice(content: bytes, tmp_path: Path) -> bytes:
    source = tmp_path / "in" / "利用申込書.xlsx"
    source.parent.mkdir()
    source.write_bytes(content)
    out_dir = tmp_path / "out"
    # A private profile: concurrent test runs must not share (and lock) the user's profile.
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out_dir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=SOFFICE_TIMEOUT_SECONDS,
    )
    return (out_dir / "利用申込書.xlsx").read_bytes()


def test_libreoffice_round_trip_keeps_every_value(tmp_path):
    content = filled(workbook_build(office_names=OFFICES), complete_values())

    resaved = _resaved_by_libreoffice(content, tmp_path)

    assert resaved != content
    payload = workbook_read(content=resaved, filename="利用申込書.xlsx")
    assert payload == complete_payload()
    assert (payload["period_start"], payload["period_end"], payload["contract_date"]) == (
        "2026-12-01",
        "2027-03-19",
        "2026-11-20",
    )
    assert payload["contract_amount"] == "48400000"
    workbook = load_workbook(BytesIO(resaved))
    # What LibreOffice does to the marker sheet; the reader does not depend on it.
    assert workbook["_meta"].sheet_state in {"hidden", "veryHidden"}
