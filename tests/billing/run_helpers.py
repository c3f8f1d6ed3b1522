"""Reading a billing run's files back: the bundle's pages and the mailing list's rows."""

from __future__ import annotations

import csv
import io
import re

from pypdf import PdfReader

from calsreg.billing.models import BillingRun


def bundle_numbers(run: BillingRun) -> list[str]:
    """The invoice number printed on each page of the run's print bundle, in page order."""
    with run.bundle_pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [re.search(r"\d{4}-\d{6}", page.extract_text()).group(0) for page in reader.pages]


def mailing_numbers(run: BillingRun) -> list[str]:
    """The invoice number of each row of the run's mailing list (its header left out)."""
    with run.mailing_csv.open("rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    return [row[4] for row in rows[1:]]
