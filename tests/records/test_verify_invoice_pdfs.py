"""verify_evidence over the invoice PDFs and the billing runs' files: through the real command, an
altered PDF, a deleted one, an altered bundle and a file no row names are each reported by name, and
the command exits non-zero; an intact month passes and says what it read."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from calsreg.billing.models import BillingRun, DocumentKind, InvoiceDocument
from calsreg.billing.services import billing_run
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst

pytestmark = pytest.mark.django_db

AT = jst(2026, 12, 1, 10)


def _issued(capture) -> tuple[list[InvoiceDocument], BillingRun]:
    """Two invoices issued by the run of 2026-12-01: two PDFs, the run's bundle and mailing list."""
    configured()
    drafts = [drafted(started_at=jst(2026, 11, 10), project_number=f"R8-新潟-土木-{n:04d}") for n in (1, 2)]
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False), capture(execute=True):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    documents = [InvoiceDocument.objects.get(invoice=d, kind=DocumentKind.ORIGINAL) for d in drafts]
    return documents, BillingRun.objects.get()


@time_machine.travel(AT, tick=False)
def test_an_intact_month_passes_and_counts_each_kind_of_file(django_capture_on_commit_callbacks):
    _issued(django_capture_on_commit_callbacks)

    out = StringIO()
    call_command("verify_evidence", stdout=out)

    assert out.getvalue().splitlines() == [
        "checked=4 purged=0 missing=0 checksum_mismatch=0 orphans=0 stale_temp=0",
        "checked by kind: records.evidence.file=0 billing.invoicedocument.file=2 "
        "billing.billingrun.bundle_pdf=1 billing.billingrun.mailing_csv=1",
    ]


@time_machine.travel(AT, tick=False)
def test_an_altered_a_deleted_and_an_extra_invoice_file_are_each_reported(django_capture_on_commit_callbacks):
    # given: one PDF rewritten, one deleted, the run's bundle rewritten, a stray PDF beside them
    (altered, deleted), run = _issued(django_capture_on_commit_callbacks)
    Path(altered.file.path).write_bytes(b"%PDF-1.4 forged")
    Path(deleted.file.path).unlink()
    Path(run.bundle_pdf.path).write_bytes(b"%PDF-1.4 another bundle")
    stray = Path(altered.file.path).with_name("extra.pdf")
    stray.write_bytes(b"%PDF-1.4 nobody's")

    # when
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"^4 kept file problem"):
        call_command("verify_evidence", stdout=out, stderr=err)

    # then: each named, with its row
    assert sorted(err.getvalue().splitlines()) == sorted(
        [
            f"NG  checksum_mismatch billing.invoicedocument#{altered.pk}.file {altered.file.name}",
            f"NG  missing billing.invoicedocument#{deleted.pk}.file {deleted.file.name}",
            f"NG  checksum_mismatch billing.billingrun#{run.pk}.bundle_pdf {run.bundle_pdf.name}",
            "NG  orphan invoices/2026/12/extra.pdf",
        ]
    )
    assert out.getvalue().splitlines()[0] == (
        "checked=4 purged=0 missing=1 checksum_mismatch=2 orphans=1 stale_temp=0"
    )


@time_machine.travel(AT, tick=False)
def test_the_json_report_names_a_missing_invoice_pdf(django_capture_on_commit_callbacks):
    (document, _other), _run = _issued(django_capture_on_commit_callbacks)
    Path(document.file.path).unlink()

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_evidence", "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert (report["ok"], report["checked"], report["missing"]) == (False, 4, 1)
    assert report["checked_by"]["billing.invoicedocument.file"] == 2
    assert report["problems"] == [
        {"kind": "missing", "name": document.file.name, "row": f"billing.invoicedocument#{document.pk}.file"}
    ]
