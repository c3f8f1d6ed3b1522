"""An invoice PDF as bytes: one invoice on one page (the run's print bundle copies these, bundle.py).

The IPAex font is registered once per process and embedded (subset) by reportlab, so the PDF prints
the same on any machine (as the terms-of-use PDF does). reportlab uses its C accelerator (the
``rl-accel`` package) for number formatting and stream encoding when it is installed.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO

from django.conf import settings
from django.utils import translation
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from calsreg.billing.pdf import wording
from calsreg.billing.pdf.document import InvoicePrint
from calsreg.billing.pdf.layout import PAGE_HEIGHT, PAGE_WIDTH, draw_invoice

FONT_NAME = "IPAexGothic"


@lru_cache(maxsize=1)
def _register_font(path: str) -> str:
    # The same name and file as portal.terms_pdf: registering twice is harmless.
    pdfmetrics.registerFont(TTFont(FONT_NAME, path))
    return FONT_NAME


def _canvas(buffer: BytesIO, *, title: str) -> Canvas:
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("新潟県CALSシステム 利用料")
    canvas.setSubject(title)
    canvas.setCreator("calsreg")
    return canvas


def invoice_pdf_bytes(doc: InvoicePrint) -> bytes:
    """One invoice on one A4 page. Always Japanese: the invoice is a Japanese tax document."""
    font = _register_font(settings.PDF_FONT_PATH)
    buffer = BytesIO()
    with translation.override("ja"):
        canvas = _canvas(buffer, title=wording.pdf_title(doc))
        draw_invoice(canvas, doc, font=font)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()
