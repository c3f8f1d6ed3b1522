"""The receipt (領収書) of a paid invoice, for the contractor's my page: one A4 page, drawn with the
invoice PDFs' font and helpers (render.py, layout.py).

It states what was received — the payments allocated to the invoice, not the fee credits (a credit
reduces what is owed; nothing was paid for it) — with the issuer and its registration number as
the invoice printed them (the seller's under 代理交付 with the agent who received the money on its
behalf, the agent's under the 媒介者交付特例), the tax per rate of the invoice it settles, and the
day the last payment arrived. Made on request from the invoice's snapshot taken at issue (never the
live project) and the stored allocations, so it always matches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.units import mm

from calsreg.billing.models import Invoice, IssuingRegime
from calsreg.billing.pdf.document import invoice_print_from
from calsreg.billing.pdf.layout import INK, LEFT, PAGE_HEIGHT, PAGE_WIDTH, RIGHT, RULE, date_both, yen
from calsreg.billing.pdf.render import _canvas, _register_font


@dataclass(frozen=True)
class ReceiptPrint:
    invoice_number: str
    recipient_name: str
    honorific: str
    received: int  # yen paid (allocations), tax included
    received_on: date  # the day the last payment arrived
    issued_on: date  # the day the receipt was made
    project_number: str
    project_name: str
    issuer: dict[str, str]  # the billing agent
    seller: dict[str, str]
    regime: str
    tax_parts: tuple[tuple[int, int, int], ...]  # (rate, taxable, tax) of the invoice settled
    credited: int  # fee credits against the invoice (shown, not received)


def receipt_print_from(
    *, invoice: Invoice, received: int, received_on: date, issued_on: date
) -> ReceiptPrint:
    printed = invoice_print_from(invoice)
    return ReceiptPrint(
        invoice_number=invoice.number or "",
        recipient_name=invoice.billing_addressee,
        honorific=invoice.honorific,
        received=received,
        received_on=received_on,
        issued_on=issued_on,
        project_number=printed.project_number,
        project_name=printed.project_name,
        issuer=printed.issuer,
        seller=printed.seller,
        regime=printed.regime,
        tax_parts=tuple((part.rate, part.taxable, part.tax) for part in printed.tax_parts),
        credited=invoice.amount_credited,
    )


def receipt_pdf_bytes(doc: ReceiptPrint) -> bytes:
    """Always Japanese, like the invoice it answers."""
    font = _register_font(settings.PDF_FONT_PATH)
    buffer = BytesIO()
    with translation.override("ja"):
        canvas = _canvas(buffer, title=f"領収書 {doc.invoice_number}")
        _draw(canvas, doc, font)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def _draw(canvas: Any, doc: ReceiptPrint, font: str) -> None:
    top = PAGE_HEIGHT - 20 * mm
    canvas.setFillColor(INK)
    canvas.setFont(font, 8.5)
    canvas.drawRightString(RIGHT, top, _("領収書番号 R%(number)s") % {"number": doc.invoice_number})
    canvas.drawRightString(RIGHT, top - 4.6 * mm, _("発行日 %(date)s") % {"date": date_both(doc.issued_on)})
    canvas.setFont(font, 22)
    canvas.drawCentredString(PAGE_WIDTH / 2, top - 20 * mm, _("領　収　書"))
    canvas.setFont(font, 13)
    canvas.drawString(LEFT, top - 40 * mm, f"{doc.recipient_name}　{doc.honorific}")
    canvas.setLineWidth(0.6)
    canvas.line(LEFT, top - 42 * mm, LEFT + 110 * mm, top - 42 * mm)
    canvas.setFont(font, 18)
    canvas.drawCentredString(
        PAGE_WIDTH / 2, top - 60 * mm, _("金額 ¥%(amount)s-（税込）") % {"amount": yen(doc.received)}
    )
    canvas.setFont(font, 10)
    rows = [
        _("但し CALSシステム利用料として（請求書番号 %(number)s）") % {"number": doc.invoice_number},
        _("工事 %(number)s %(name)s") % {"number": doc.project_number, "name": doc.project_name},
        _("上記正に領収いたしました（入金日 %(date)s）。") % {"date": date_both(doc.received_on)},
    ]
    rows += [
        _("内訳 %(rate)s%%対象 %(taxable)s円 消費税 %(tax)s円")
        % {"rate": rate, "taxable": yen(taxable), "tax": yen(tax)}
        for rate, taxable, tax in doc.tax_parts
    ]
    if doc.credited:
        rows.append(
            _("返還請求書による減額 %(amount)s円はご入金額に含みません。") % {"amount": yen(doc.credited)}
        )
    for index, text in enumerate(rows):
        canvas.drawString(LEFT, top - (74 + index * 7) * mm, text)
    _issuer(canvas, doc, font, top=top - (74 + len(rows) * 7 + 12) * mm)


def _issuer(canvas: Any, doc: ReceiptPrint, font: str, *, top: float) -> None:
    x = PAGE_WIDTH / 2 + 14 * mm
    agent = doc.issuer
    agent_delivery = doc.regime == IssuingRegime.AGENT_DELIVERY
    shown = doc.seller if agent_delivery else agent
    canvas.setFont(font, 12)
    canvas.drawString(x, top, shown.get("name", ""))
    canvas.setFont(font, 9)
    lines = [
        _("登録番号：%(number)s") % {"number": shown.get("registration_number", "")},
        f"〒{shown.get('postcode', '')} {shown.get('address', '')}",
    ]
    if agent_delivery:
        lines.append(_("受領代行：%(agent)s") % {"agent": agent.get("name", "")})
    lines.append(_("TEL %(phone)s") % {"phone": agent.get("phone", "")})
    for index, text in enumerate(lines, start=1):
        canvas.drawString(x, top - index * 4.8 * mm, text)
    canvas.setFont(font, 7.5)
    canvas.setFillColor(RULE)
    canvas.drawString(LEFT, 12 * mm, _("電子的に交付する領収書のため、収入印紙は不要です。"))
    canvas.setFillColor(INK)
