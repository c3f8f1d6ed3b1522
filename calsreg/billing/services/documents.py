"""Keeping invoice PDFs and run files: stored once, never overwritten, with their SHA-256."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from calsreg.billing.models import DocumentKind, Invoice, InvoiceDocument
from calsreg.billing.pdf.document import invoice_print_from
from calsreg.billing.pdf.render import invoice_pdf_bytes
from calsreg.core.files import file_keep
from calsreg.records.services import Actor


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def invoice_document_store(
    *,
    invoice: Invoice,
    kind: str,
    actor: Actor,
    now: datetime,
    reissued_on: date | None = None,
    save: bool = True,
) -> InvoiceDocument:
    """Render ``invoice`` (a 「再発行」 copy when ``kind`` is reissue) and keep the PDF; with ``save``
    False the row is returned unsaved, for the caller to insert with others in the same transaction."""
    doc = invoice_print_from(invoice, reissue=kind == DocumentKind.REISSUE, reissued_on=reissued_on)
    content = invoice_pdf_bytes(doc)
    digest = sha256_hex(content)
    document = InvoiceDocument(
        invoice=invoice,
        kind=kind,
        sha256=digest,
        size_bytes=len(content),
        created_at=now,
        created_by_label=actor.label[:200],
    )
    suffix = "" if kind == DocumentKind.ORIGINAL else f"-{kind}-{now:%Y%m%d%H%M%S}"
    # Never overwrites; exists only if the caller's transaction commits (calsreg.core.files).
    file_keep(document.file, f"{invoice.number}{suffix}.pdf", content)
    if save:
        document.save()
    return document
