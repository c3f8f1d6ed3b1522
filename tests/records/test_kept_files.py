"""verify_evidence over every kept file: a tampered invoice PDF and a file without a row are found
through the real command, which exits non-zero; the JSON report names them."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from calsreg.billing.models import BillingRun, DocumentKind
from calsreg.billing.services import billing_run
from calsreg.records.services import files_verify
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst

pytestmark = pytest.mark.django_db


def _issued_month():
    configured()
    invoice = drafted(started_at=jst(2026, 11, 10))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    return invoice.documents.get(kind=DocumentKind.ORIGINAL), BillingRun.objects.get()


@time_machine.travel(jst(2026, 12, 1, 10), tick=False)
def test_an_intact_month_verifies_its_invoice_pdf_and_run_files():
    _issued_month()

    report = files_verify()

    assert (report.ok, report.checked, report.problems) == (True, 3, [])


@time_machine.travel(jst(2026, 12, 1, 10), tick=False)
def test_a_tampered_invoice_pdf_fails_the_command():
    # given: someone rewrote the kept PDF
    document, _run = _issued_month()
    Path(document.file.path).write_bytes(b"%PDF-1.4 forged")

    # when / then
    out = StringIO()
    with pytest.raises(CommandError, match="1 kept file problem"):
        call_command("verify_evidence", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert (report["ok"], report["checked"], report["checksum_mismatch"]) == (False, 3, 1)
    assert report["problems"] == [
        {
            "kind": "checksum_mismatch",
            "name": document.file.name,
            "row": f"billing.invoicedocument#{document.pk}.file",
        }
    ]


@time_machine.travel(jst(2026, 12, 1, 10), tick=False)
def test_a_file_without_a_row_is_reported_as_an_orphan():
    # given: a file in the evidence folder that no row names (a failed write, or put there by hand)
    _issued_month()
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    stray = root / "evidence" / "2026" / "12" / "leftover.xlsx"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half a workbook")

    # when
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_evidence", stdout=StringIO(), stderr=err)

    # then
    assert err.getvalue() == "NG  orphan evidence/2026/12/leftover.xlsx\n"
    assert files_verify().as_dict()["orphans"] == 1
