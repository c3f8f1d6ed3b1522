"""The words each kind of document prints, and whose name and number it prints under each regime.

A credit (credit note of a void, or fee credit) is a 適格返還請求書 (消費税法第57条の4第3項): it gives
money back, so nothing on it asks for payment — its title, number label, lead sentence, totals and
footer say 返還, never 請求, and it has no due date. The law does not fix a document's title (a
document is qualified by its items, not its name), so credits are titled 返還インボイス, the National
Tax Agency's own short name for them. The referenced original is called インボイス for the same reason.
The wording per regime is in decision 0008.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from calsreg.billing.pdf.document import InvoicePrint


def title(doc: InvoicePrint) -> str:
    if doc.is_fee_credit:
        return _("返還インボイス（工期変更による減額）")
    if doc.is_credit_note:
        return _("返還インボイス（取消）")
    if doc.is_additional:
        return _("請求書（工期変更による追加請求）")
    return _("請　求　書")


def pdf_title(doc: InvoicePrint) -> str:
    """The PDF's document information title."""
    name = _("返還インボイス") if doc.is_credit_note else _("請求書")
    return f"{name} {doc.number}"


def number_label(doc: InvoicePrint) -> str:
    return _("返還インボイス番号") if doc.is_credit_note else _("請求書番号")


def lead(doc: InvoicePrint) -> str:
    if doc.is_fee_credit:
        return _("工期の変更により、下記のとおり対価を返還（減額）いたします。")
    if doc.is_credit_note:
        return _("下記のインボイスを取り消し、その対価を返還いたします。")
    return _("下記のとおりご請求申し上げます。")


def footer(doc: InvoicePrint) -> str:
    if doc.is_credit_note:
        return _("新潟県CALSシステム 利用料の返還（ご不明な点は上記までお問い合わせください）")
    return _("新潟県CALSシステム 利用料のご請求（ご不明な点は上記までお問い合わせください）")


def reference_label(doc: InvoicePrint) -> str:
    """The row naming the invoice a credit returns on, or an additional invoice adds to."""
    if doc.is_fee_credit:
        return _("減額の対象のインボイス")
    if doc.is_credit_note:
        return _("取消の対象のインボイス")
    return _("当初の請求書")


def regime_notes(doc: InvoicePrint) -> list[str]:
    """The lines under the issuer block saying who hands the document out on whose behalf."""
    seller = doc.seller.get("name", "")
    if doc.is_agent_delivery:
        return [_("上記売手の代理として交付しています（代理交付）。")]
    notes = [_("媒介者交付特例により、売手に代わり交付しています。")]
    if seller:
        notes.append(_("売手：%(seller)s") % {"seller": seller})
    return notes


def agent_line(doc: InvoicePrint) -> str:
    """Under 代理交付: the agent who hands the seller's document out (and collects the fee)."""
    return _("交付・収納代行：%(agent)s") % {"agent": doc.issuer.get("name", "")}


def registration_line(issuer: dict[str, str]) -> str:
    return _("登録番号：%(number)s") % {"number": issuer.get("registration_number", "")}
