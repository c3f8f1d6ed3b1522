"""The terms of use as a PDF, with the Japanese TrueType font embedded so it prints anywhere."""

from __future__ import annotations

from functools import lru_cache
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
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from calsreg.portal.terms import ARTICLES, TERMS_TITLE

FONT_NAME = "IPAexGothic"


@lru_cache(maxsize=1)
def pdf_font_register(path: str) -> str:
    # TTFont subsets and embeds the glyphs used, so readers without the font show the same text.
    pdfmetrics.registerFont(TTFont(FONT_NAME, path))
    return FONT_NAME


def _styles(font: str) -> dict[str, ParagraphStyle]:
    # wordWrap="CJK" lets lines break between any two Japanese characters.
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=1, spaceAfter=4),
        "meta": ParagraphStyle("meta", parent=base, fontSize=9, alignment=2, textColor=colors.grey),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11.5, leading=18, spaceBefore=10),
        "body": ParagraphStyle("para", parent=base, firstLineIndent=10, spaceAfter=2),
        "item": ParagraphStyle("item", parent=base, leftIndent=22, firstLineIndent=-12),
    }


def _story(styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [
        Paragraph(escape(str(TERMS_TITLE)), styles["title"]),
        Paragraph(escape(_("版: %(version)s") % {"version": settings.TERMS_VERSION}), styles["meta"]),
        Spacer(1, 6 * mm),
    ]
    for article in ARTICLES:
        story.append(Paragraph(escape(article.heading), styles["heading"]))
        numbered = len(article.paragraphs) > 1
        for index, paragraph in enumerate(article.paragraphs, start=1):
            prefix = f"{index}　" if numbered else ""
            story.append(Paragraph(escape(prefix + str(paragraph)), styles["body"]))
        for index, item in enumerate(article.items, start=1):
            story.append(Paragraph(escape(f"({index})　{item}"), styles["item"]))
    story.append(Spacer(1, 8 * mm))
    story.append(Paragraph(escape(_("以上")), styles["meta"]))
    return story


def _page_footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(FONT_NAME, 8)
    canvas.setFillColor(colors.grey)
    canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{TERMS_TITLE}（{settings.TERMS_VERSION}）  {doc.page}")
    canvas.restoreState()


def terms_pdf_build() -> bytes:
    """Render the terms (in the active language) to an A4 PDF and return its bytes."""
    font = pdf_font_register(settings.PDF_FONT_PATH)
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=str(TERMS_TITLE),
        author=_("新潟県CALSシステム ASP事業者"),
        subject=_("利用規約（版: %(version)s）") % {"version": settings.TERMS_VERSION},
        lang=translation.get_language() or "ja",
    )
    document.build(_story(_styles(font)), onFirstPage=_page_footer, onLaterPages=_page_footer)
    return buffer.getvalue()
