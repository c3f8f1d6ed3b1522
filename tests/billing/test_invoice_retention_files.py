"""The files of deleted invoices when the process dies between the commit and their removal: the
"not committed yet" marker keeps them in sight, and the workers' sweep removes them later."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine

from calsreg.billing.models import BillingRun, Invoice
from calsreg.billing.services.retention import invoices_retention_delete_due
from calsreg.records.services import files_orphaned_sweep, files_verify
from tests.billing.invoice_helpers import jst
from tests.billing.test_invoice_retention import _issued, _pay

pytestmark = pytest.mark.django_db


def test_a_pdf_left_by_a_commit_hook_that_never_ran_is_swept_later(
    settings, django_capture_on_commit_callbacks
):
    # given: a paid invoice past its period, deleted — but the commit hook removing its PDF never runs
    settings.FISCAL_YEAR_END_MONTH = 3
    settings.FILES_PENDING_MAX_AGE_SECONDS = 3600
    (paid,) = _issued(1, django_capture_on_commit_callbacks)
    _pay(paid, date(2027, 1, 12))
    pdf = Path(paid.documents.get().file.path)
    run = BillingRun.objects.get()
    run_files = [Path(run.bundle_pdf.path), Path(run.mailing_csv.path)]
    with (
        time_machine.travel(jst(2034, 6, 1, 3), tick=False),
        django_capture_on_commit_callbacks(execute=False),
    ):
        assert invoices_retention_delete_due() == 1
    assert not Invoice.objects.filter(pk=paid.pk).exists()
    markers = [p for p in pdf.parent.iterdir() if p.name.startswith(".tmp-")]
    assert pdf.exists() and len(markers) == 1
    assert all(path.exists() for path in run_files)  # the run's only invoice went: its files go too

    # then: while the marker is fresh the file counts as in flight, not as an orphan
    with time_machine.travel(jst(2034, 6, 1, 3) + timedelta(minutes=30), tick=False):
        assert files_orphaned_sweep() == 0
        assert files_verify().as_dict()["problems"] == []

    # when: the sweep runs after the pending limit
    with time_machine.travel(jst(2034, 6, 1, 5), tick=False):
        removed = files_orphaned_sweep()

    # then: the PDF, the run's two files and their three markers are gone, and nothing is reported
    assert removed == 6
    assert not pdf.exists() and not markers[0].exists()
    assert not any(path.exists() for path in run_files)
    with time_machine.travel(jst(2034, 6, 1, 5), tick=False):
        assert files_verify().as_dict()["problems"] == []
