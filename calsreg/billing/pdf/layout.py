"""Draws one invoice (請求書) on one A4 page of a reportlab canvas.

The layout follows the usual Japanese business invoice: recipient top left with 御中/様, the
qualified issuer with its registration number top right (the seller's under 代理交付, the billing
agent's under the 媒介者交付特例: decision 0008), the amount due in a box, a line table, the amounts and
tax per rate, then where and how to pay. Dates show the Western date and the Japanese era.
One function draws one page, so a single invoice and the print bundle share the same drawing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from calsreg.billing.pdf import wording
from calsreg.billing.pdf.document import InvoicePrint
from calsreg.core.era import format_era, format_japanese

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 18 * mm
RIGHT = PAGE_WIDTH - 18 * mm
CONTENT_WIDTH = RIGHT - LEFT
INK = colors.HexColor("#1a1a1a")
RULE = colors.HexColor("#555555")
SHADE = colors.HexColor("#e8edf3")
STAMP = colors.HexColor("#c0392b")
MIN_TABLE_ROWS = 6


def date_both(day: date) -> str:
    """2026年12月1日（令和8年12月1日）"""
    return f"{format_japanese(day)}（{format_era(day)}）"


def yen(amount: int) -> str:
    return f"{amount:,}"


def draw_invoice(canvas: Any, doc: InvoicePrint, *, font: str) -> None:
    """Draw ``doc`` on the canvas's current page (the caller calls ``showPage``)."""
    canvas.saveState()
    canvas.setFillColor(INK)
    _header(canvas, doc, font)
    _recipient(canvas, doc, font)
    _issuer(canvas, doc, font)
    y = _amount_box(canvas, doc, font, top=PAGE_HEIGHT - 104 * mm)
    y = _project(canvas, doc, font, top=y - 6 * mm)
    y = _lines(canvas, doc, font, top=y - 5 * mm)
    y = _totals(canvas, doc, font, top=y - 3 * mm)
    _payment(canvas, doc, font, top=y - 6 * mm)
    _footer(canvas, doc, font)
    canvas.restoreState()


def _header(canvas: Any, doc: InvoicePrint, font: str) -> None:
    top = PAGE_HEIGHT - 16 * mm
    canvas.setFont(font, 8.5)
    meta = [
        (wording.number_label(doc), doc.number),
        (_("発行日"), date_both(doc.issue_date)),
        (_("お客様番号"), doc.customer_code),
    ]
    for index, (label, value) in enumerate(meta):
        y = top - index * 4.6 * mm
        canvas.drawString(RIGHT - 80 * mm, y, label)
        canvas.drawRightString(RIGHT, y, value)
    title = wording.title(doc)
    size = 17 if doc.is_credit_note else 22
    canvas.setFont(font, size)
    canvas.drawCentredString(PAGE_WIDTH / 2, top - 20 * mm, title)
    width = canvas.stringWidth(title, font, size) + 16 * mm
    canvas.setLineWidth(0.8)
    canvas.line(PAGE_WIDTH / 2 - width / 2, top - 22.5 * mm, PAGE_WIDTH / 2 + width / 2, top - 22.5 * mm)
    canvas.line(PAGE_WIDTH / 2 - width / 2, top - 23.4 * mm, PAGE_WIDTH / 2 + width / 2, top - 23.4 * mm)
    if doc.reissue:
        _reissue_stamp(canvas, doc, font, top)


def _reissue_stamp(canvas: Any, doc: InvoicePrint, font: str, top: float) -> None:
    canvas.saveState()
    canvas.setStrokeColor(STAMP)
    canvas.setFillColor(STAMP)
    canvas.setLineWidth(1.6)
    canvas.roundRect(LEFT, top - 6 * mm, 30 * mm, 11 * mm, 2 * mm)
    canvas.setFont(font, 15)
    canvas.drawCentredString(LEFT + 15 * mm, top - 2.6 * mm, _("再発行"))
    if doc.reissued_on:
        canvas.setFont(font, 7.5)
        canvas.drawString(LEFT, top - 10 * mm, _("再発行日 %(date)s") % {"date": date_both(doc.reissued_on)})
    canvas.restoreState()


def _recipient(canvas: Any, doc: InvoicePrint, font: str) -> None:
    y = PAGE_HEIGHT - 56 * mm
    canvas.setFont(font, 9.5)
    canvas.drawString(LEFT, y, f"〒{doc.recipient_postcode}")
    canvas.drawString(LEFT, y - 5 * mm, doc.recipient_address)
    canvas.setFont(font, 13)
    canvas.drawString(LEFT, y - 14 * mm, doc.recipient_name)
    name_line = (doc.recipient_department + "　" if doc.recipient_department else "") + doc.honorific
    canvas.drawString(LEFT, y - 21 * mm, name_line)
    canvas.setLineWidth(0.6)
    canvas.line(LEFT, y - 23 * mm, LEFT + 92 * mm, y - 23 * mm)
    canvas.setFont(font, 9.5)
    canvas.drawString(LEFT, y - 31 * mm, wording.lead(doc))


def _issuer(canvas: Any, doc: InvoicePrint, font: str) -> None:
    """The qualified issuer (name, registration number, address) per the regime; under 代理交付 the
    agent who hands the document out and takes the payment follows, with its contact."""
    agent = doc.issuer
    shown = doc.qualified_issuer
    x = PAGE_WIDTH / 2 + 14 * mm
    y = PAGE_HEIGHT - 56 * mm
    canvas.setFont(font, 12)
    canvas.drawString(x, y, shown.get("name", ""))
    rows = [wording.registration_line(shown), f"〒{shown.get('postcode', '')}", shown.get("address", "")]
    if doc.is_agent_delivery:
        rows += [wording.agent_line(doc), f"〒{agent.get('postcode', '')} {agent.get('address', '')}"]
    rows.append(_("TEL %(phone)s") % {"phone": agent.get("phone", "")})
    if agent.get("department"):
        rows.append(agent["department"])
    canvas.setFont(font, 8.5)
    step = 4.2 * mm
    for index, text in enumerate(rows, start=1):
        canvas.drawString(x, y - index * step, text)
    canvas.setFont(font, 7.5)
    canvas.setFillColor(RULE)
    for index, text in enumerate(wording.regime_notes(doc), start=len(rows) + 1):
        canvas.drawString(x, y - index * step, text)
    canvas.setFillColor(INK)


def _box_table(data: list[list[Any]], widths: list[float], font: str, size: float, style: list[Any]) -> Table:
    table = Table(data, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, size),
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.4),
                *style,
            ]
        )
    )
    return table


def _place(canvas: Any, table: Table, *, x: float, top: float) -> float:
    _width, height = table.wrapOn(canvas, CONTENT_WIDTH, PAGE_HEIGHT)
    table.drawOn(canvas, x, top - height)
    return top - height


def _adjusted_reference(doc: InvoicePrint) -> str:
    number, issued = (
        (doc.credited_number, doc.credited_issue_date)
        if doc.kind == "credit_note"
        else (doc.adjusted_number, doc.adjusted_issue_date)
    )
    if issued is None:
        return number
    # Western date only: with the era too it overflows the box.
    return f"{number}（{_('発行日')} {format_japanese(issued)}）"


def _amount_box(canvas: Any, doc: InvoicePrint, font: str, *, top: float) -> float:
    if doc.is_credit_note:
        rows = [
            [_("返還額（税込）"), _("%(amount)s円") % {"amount": yen(-doc.total)}],
            [wording.reference_label(doc), _adjusted_reference(doc)],
        ]
    else:
        due = date_both(doc.due_on) if doc.due_on else _("請求書到着月の翌月末日")
        rows = [
            [_("ご請求金額（税込）"), _("￥%(amount)s－") % {"amount": yen(doc.total)}],
            [_("お支払期限"), due],
        ]
        if doc.is_additional:
            rows.append([wording.reference_label(doc), _adjusted_reference(doc)])
    table = _box_table(
        rows,
        [42 * mm, 88 * mm],
        font,
        10,
        [
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("FONTSIZE", (1, 0), (1, 0), 16),
            ("LEADING", (1, 0), (1, 0), 19),
            ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ("BOX", (0, 0), (-1, -1), 1.2, INK),
        ],
    )
    return _place(canvas, table, x=LEFT, top=top)


def _project(canvas: Any, doc: InvoicePrint, font: str, *, top: float) -> float:
    rows = [
        [_("工事番号"), doc.project_number, _("発注事務所"), doc.office_name],
        [_("工事名"), doc.project_name, _("受注者"), doc.contractor_name],
        [
            _("元の取引年月日") if doc.is_credit_note else _("取引年月日"),
            _("%(date)s（利用開始日）") % {"date": date_both(doc.transaction_date)},
            _("工期"),
            f"{format_japanese(doc.period_start)}〜{format_japanese(doc.period_end)}",
        ],
    ]
    if doc.is_credit_note:
        # 適格返還請求書: the day of the return as well as the day of the original transaction.
        rows.append([_("返還年月日"), date_both(doc.issue_date), "", ""])
    table = _box_table(
        rows,
        [22 * mm, 80 * mm, 22 * mm, CONTENT_WIDTH - 124 * mm],
        font,
        8.5,
        [
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("BACKGROUND", (2, 0), (2, 2), SHADE),
            *([("SPAN", (1, 3), (3, 3))] if doc.is_credit_note else []),
        ],
    )
    return _place(canvas, table, x=LEFT, top=top)


def _lines(canvas: Any, doc: InvoicePrint, font: str, *, top: float) -> float:
    header = [_("品目"), _("数量"), _("単位"), _("単価（円）"), _("金額（円）"), _("税率")]
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=11.5, wordWrap="CJK")
    rows: list[list[Any]] = [header]
    for line in doc.lines:
        rows.append(
            [
                Paragraph(line.description, cell),
                f"{line.quantity:,}",
                line.unit,
                yen(line.unit_price),
                yen(line.amount),
                f"{line.tax_rate_percent}%",
            ]
        )
    while len(rows) < MIN_TABLE_ROWS + 1:
        rows.append(["", "", "", "", "", ""])
    widths = [82 * mm, 16 * mm, 14 * mm, 24 * mm, 24 * mm, CONTENT_WIDTH - 160 * mm]
    table = _box_table(
        rows,
        widths,
        font,
        9,
        [
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            ("ALIGN", (1, 1), (1, -1), "RIGHT"),
            ("ALIGN", (2, 1), (2, -1), "CENTER"),
            ("ALIGN", (3, 1), (4, -1), "RIGHT"),
            ("ALIGN", (5, 1), (5, -1), "CENTER"),
            ("ROWHEIGHT", (0, 1), (-1, -1), 7 * mm),
        ],
    )
    return _place(canvas, table, x=LEFT, top=top)


def _totals(canvas: Any, doc: InvoicePrint, font: str, *, top: float) -> float:
    if doc.is_credit_note:
        # What is returned, per rate with its tax (適格返還請求書の記載事項), as positive figures.
        rows = [[_("返還額 小計（税抜）"), yen(-doc.subtotal)]]
        for part in doc.tax_parts:
            rows.append([_("%(rate)s%%対象 返還額（税抜）") % {"rate": part.rate}, yen(-part.taxable)])
            rows.append([_("返還に係る消費税（%(rate)s%%）") % {"rate": part.rate}, yen(-part.tax)])
        rows.append([_("返還額 合計（税込）"), yen(-doc.total)])
    else:
        rows = [[_("小計（税抜）"), yen(doc.subtotal)]]
        for part in doc.tax_parts:
            rows.append([_("%(rate)s%%対象（税抜）") % {"rate": part.rate}, yen(part.taxable)])
            rows.append([_("消費税（%(rate)s%%）") % {"rate": part.rate}, yen(part.tax)])
        rows.append([_("合計（税込）"), yen(doc.total)])
    table = _box_table(
        rows,
        [44 * mm, 28 * mm],
        font,
        9,
        [
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("FONTSIZE", (0, -1), (-1, -1), 10.5),
            ("BOX", (0, -1), (-1, -1), 1.2, INK),
        ],
    )
    bottom = _place(canvas, table, x=RIGHT - 72 * mm, top=top)
    canvas.setFont(font, 7.5)
    canvas.drawString(
        LEFT, top - 4 * mm, _("※ 消費税は税率ごとに合計した金額に対して計算し、1円未満を切り捨てています。")
    )
    return bottom


def _payment(canvas: Any, doc: InvoicePrint, font: str, *, top: float) -> float:
    issuer = doc.issuer
    if doc.is_fee_credit:
        canvas.setFont(font, 9)
        notes = [
            _("工期の変更により、上記のインボイスの金額を減額しました（返還額は上記のとおりです）。"),
            _(
                "未払いの場合は、減額後の金額をお支払いください。お支払い済みの金額は、別途ご返金または相殺いたします。"
            ),
        ]
        for index, text in enumerate(notes, start=1):
            canvas.drawString(LEFT, top - index * 4.6 * mm, text)
        return top - (len(notes) + 1) * 4.6 * mm
    if doc.is_credit_note:
        canvas.setFont(font, 9)
        canvas.drawString(
            LEFT,
            top - 4 * mm,
            _("上記のインボイスは取り消しました。お支払い済みの金額は、別途ご返金または相殺いたします。"),
        )
        return top - 8 * mm
    account = _("%(bank)s　%(branch)s　%(type)s　%(number)s") % {
        "bank": issuer.get("bank_name", ""),
        "branch": issuer.get("bank_branch", ""),
        "type": issuer.get("account_type", ""),
        "number": issuer.get("account_number", ""),
    }
    rows = [
        [_("お振込先"), account],
        [_("口座名義"), issuer.get("account_holder_kana", "")],
        [_("お客様番号"), doc.customer_code],
    ]
    table = _box_table(
        rows, [30 * mm, CONTENT_WIDTH - 30 * mm], font, 9.5, [("BACKGROUND", (0, 0), (0, -1), SHADE)]
    )
    bottom = _place(canvas, table, x=LEFT, top=top)
    notes = [
        _(
            "お振込の際は、振込依頼人名の前にお客様番号「%(code)s」をご入力ください（EDI欄がある場合はEDI欄へ）。"
        )
        % {"code": doc.customer_code},
        _("振込手数料はお客様のご負担でお願いいたします。"),
        _("お支払期限（到着月の翌月末日。金融機関の休業日の場合は翌営業日）までにご入金が確認できない場合、"),
        _("　システムのご利用を停止させていただきます。"),
    ]
    canvas.setFont(font, 8)
    for index, text in enumerate(notes, start=1):
        canvas.drawString(LEFT, bottom - index * 4.4 * mm, text)
    return bottom - len(notes) * 4.4 * mm


def _footer(canvas: Any, doc: InvoicePrint, font: str) -> None:
    canvas.setFont(font, 7.5)
    canvas.setFillColor(RULE)
    canvas.drawString(LEFT, 12 * mm, wording.footer(doc))
    canvas.drawRightString(RIGHT, 12 * mm, doc.number)
    canvas.setFillColor(INK)
