"""The applicant's copy of a web application as a PDF: what was sent, as the confirmation page showed
it (portal/summary.py), with the receipt number and time. The font is embedded (terms_pdf.py)."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from calsreg.applications.models import Application
from calsreg.core.templatetags.jdate import jdatetime
from calsreg.portal.summary import summary_of_application
from calsreg.portal.terms_pdf import pdf_font_register


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22, alignment=1, spaceAfter=4),
        "meta": ParagraphStyle("meta", parent=base, alignment=2),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=11.5, leading=18, spaceBefore=8, spaceAfter=3
        ),
        "body": base,
    }


def _table(rows: list[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    cells = [
        [Paragraph(escape(label), styles["body"]), Paragraph(escape(text), styles["body"])]
        for label, text in rows
    ]
    table = Table(cells, colWidths=[45 * mm, 125 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _story(application: Application, styles: dict[str, ParagraphStyle]) -> list[Any]:
    summary = summary_of_application(application)
    story: list[Any] = [
        Paragraph(escape(_("新潟県CALSシステム 利用申込（送信内容の控え）")), styles["title"]),
        Paragraph(escape(_("受付番号: %(number)s") % {"number": application.receipt_number}), styles["meta"]),
        Paragraph(
            escape(_("受付日時: %(at)s") % {"at": jdatetime(application.submitted_at)}), styles["meta"]
        ),
        Spacer(1, 4 * mm),
    ]
    for title, rows in summary.sections:
        story += [Paragraph(escape(title), styles["heading"]), _table(rows, styles)]
    story.append(Paragraph(escape(summary.users_title), styles["heading"]))
    for number, user in enumerate(summary.users, start=1):
        story += [Paragraph(escape(_("利用者%(n)s") % {"n": number}), styles["body"]), _table(user, styles)]
    story.append(Paragraph(escape(summary.supervisors_title), styles["heading"]))
    story += [Paragraph(escape(name), styles["body"]) for name in summary.supervisors]
    return story


def application_pdf_build(application: Application) -> bytes:
    """Render ``application`` (in the active language) to an A4 PDF and return its bytes."""
    font = pdf_font_register(settings.PDF_FONT_PATH)
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_("利用申込 %(number)s") % {"number": application.receipt_number},
        author=_("新潟県CALSシステム ASP事業者"),
        lang=translation.get_language() or "ja",
    )
    document.build(_story(application, _styles(font)))
    return buffer.getvalue()
