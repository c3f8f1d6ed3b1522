"""Posting (郵送) a whole billing run, or a selection of invoices, with one posting date.

The due dates and reminders hang on the posting date, so each invoice goes through the one posting
path (``invoices_mark_posted``: arrival, due date, audit per invoice); this adds the batch around
it: all or nothing, one audit row for the batch, and idempotence — invoices already posted on that
day are counted, not refused, so pressing the button twice (or re-sending the carrier's list) posts
nothing twice.

A mail carrier's list of the invoices it accepted (a CSV of invoice numbers; the run's mailing list
with the rows it accepted will do) limits the batch to those: a number that is not in the batch is
refused with the numbers named, and then nothing is posted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.billing.invoice_actions import InvoiceAction, invoice_action_applies
from calsreg.billing.mailing import HEADER as MAILING_HEADER
from calsreg.billing.models import BillingRun, Invoice, InvoiceStatus
from calsreg.billing.services.posting import invoices_mark_posted
from calsreg.core.errors import FieldError, ValidationFailed
from calsreg.records.services import Actor, audit_record

NUMBER_COLUMN = MAILING_HEADER.index("請求書番号")
# 2026-000123, CN2026-000001; the hyphen may be missing (typed by hand, or Excel's number cells).
NUMBER_PATTERN = re.compile(r"^(CN)?(\d{4})-?(\d{6})$")
CARRIER_FIELD = "carrier_file"
MAX_SHOWN = 10


@dataclass(frozen=True)
class PostingResult:
    posted: int  # posted now
    already: int  # posted on this day before (a repeated submit)
    skipped: int  # cannot be posted in their state (paid, void, posted on another day)


def billing_run_mark_posted(
    *, run: BillingRun, posted_on: date, actor: Actor, carrier_list: bytes | None = None
) -> PostingResult:
    """Post the invoices ``run`` issued (those on ``carrier_list`` only, when given) on ``posted_on``."""
    invoices = list(Invoice.objects.filter(billing_run=run).order_by("pk"))
    return _post(invoices, posted_on=posted_on, actor=actor, subject=run, carrier_list=carrier_list)


def invoices_mark_posted_selected(
    *, invoice_ids: Sequence[int], posted_on: date, actor: Actor, carrier_list: bytes | None = None
) -> PostingResult:
    """Post the selected invoices (from the invoice list) on ``posted_on``; ValidationFailed when
    nothing is selected."""
    invoices = list(Invoice.objects.filter(pk__in=invoice_ids).order_by("pk"))
    if not invoices:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="invoices", label=_("請求書"), message=_("郵送済みにする請求書を選んでください。")
                )
            ]
        )
    return _post(invoices, posted_on=posted_on, actor=actor, subject=invoices[0], carrier_list=carrier_list)


@transaction.atomic
def _post(
    invoices: list[Invoice],
    *,
    posted_on: date,
    actor: Actor,
    subject: BillingRun | Invoice,
    carrier_list: bytes | None,
) -> PostingResult:
    if carrier_list is not None:
        invoices = _accepted_by_carrier(invoices, numbers=carrier_numbers_parse(carrier_list))
    postable = [i for i in invoices if invoice_action_applies(invoice=i, action=InvoiceAction.POST)]
    already = [i for i in invoices if i.status != InvoiceStatus.ISSUED and i.posted_on == posted_on]
    result = PostingResult(
        posted=len(postable),
        already=len(already),
        skipped=len(invoices) - len(postable) - len(already),
    )
    if not postable:
        return result
    invoices_mark_posted(invoices=postable, posted_on=posted_on, actor=actor)
    audit_record(
        actor=actor,
        action="invoices.posted_in_bulk",
        subject=subject,
        summary=gettext_noop("請求書 %(posted)s 件をまとめて郵送済みにしました（郵送日 %(posted_on)s）"),
        summary_params={"posted": result.posted, "posted_on": posted_on.isoformat()},
        data={
            "posted_on": posted_on.isoformat(),
            "invoice_ids": [i.pk for i in postable],
            "already": result.already,
            "skipped": result.skipped,
            "carrier_list": carrier_list is not None,
        },
    )
    return result


def _accepted_by_carrier(invoices: list[Invoice], *, numbers: list[str]) -> list[Invoice]:
    by_number = {invoice.number: invoice for invoice in invoices if invoice.number}
    unknown = [number for number in numbers if number not in by_number]
    if unknown:
        raise _carrier_refusal(
            _(
                "郵送受付リストの請求書番号 %(numbers)s は、郵送済みにする対象の請求書にありません。リストを確認してください。"
            )
            % {"numbers": _listed(unknown)}
        )
    return [by_number[number] for number in dict.fromkeys(numbers)]


def carrier_numbers_parse(content: bytes) -> list[str]:
    """The invoice numbers of a carrier's list (UTF-8, with or without BOM, or Shift_JIS): the
    「請求書番号」 column when there is a header naming it, else the first column; normalised to
    2026-000123. ValidationFailed (field ``carrier_file``) naming the lines that are not numbers."""
    text = _decoded(content)
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    column, start = 0, 0
    if rows and "請求書番号" in [cell.strip() for cell in rows[0]]:
        column, start = [cell.strip() for cell in rows[0]].index("請求書番号"), 1
    numbers, bad = [], []
    for line_number, row in enumerate(rows[start:], start=start + 1):
        match = NUMBER_PATTERN.match(row[column].strip() if column < len(row) else "")
        if match:
            numbers.append(f"{match.group(1) or ''}{match.group(2)}-{match.group(3)}")
        else:
            bad.append(str(line_number))
    if bad:
        raise _carrier_refusal(
            _("郵送受付リストの %(lines)s 行目が請求書番号（例: 2026-000123）として読めません。")
            % {"lines": _listed(bad)}
        )
    if not numbers:
        raise _carrier_refusal(_("郵送受付リストに請求書番号がありません。"))
    return numbers


def _decoded(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _carrier_refusal(
        _("郵送受付リストの文字コードが読めません。UTF-8 または Shift_JIS の CSV にしてください。")
    )


def _listed(items: list[str]) -> str:
    shown = "、".join(items[:MAX_SHOWN])
    return (
        shown
        if len(items) <= MAX_SHOWN
        else _("%(shown)s ほか%(more)s件") % {"shown": shown, "more": len(items) - MAX_SHOWN}
    )


def _carrier_refusal(message: str) -> ValidationFailed:
    return ValidationFailed(
        errors=[FieldError(field=CARRIER_FIELD, label=_("郵送受付リスト"), message=message)]
    )
