"""Billing endpoints (billing agent / administrator token): invoices, posting, payments, imports and
the unmatched queue. Each endpoint parses, calls one selector or service of ``calsreg.billing`` and
answers; every refusal comes back in the API's one error shape (``calsreg.api.errors``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from calsreg.api.auth import BillingStaffToken
from calsreg.api.paging import PagedQueryIn
from calsreg.api.schemas.billing import (
    AllocationIn,
    ImportKind,
    InvoiceOut,
    InvoicePageOut,
    InvoiceQueryIn,
    ManualPaymentIn,
    PaymentIgnoreIn,
    PaymentImportOut,
    PaymentOut,
    PaymentPageOut,
    PostedIn,
)
from calsreg.api.schemas.errors import ErrorOut
from calsreg.billing.agent_selectors import InvoiceFilters, invoice_by_number, invoices_for_agent
from calsreg.billing.models import Payment, PaymentImportKind
from calsreg.billing.payments_selectors import payments_of_import, payments_unmatched, payments_with_allocated
from calsreg.billing.services import invoices_mark_posted
from calsreg.billing.services.payments import (
    payment_allocate,
    payment_create_manual,
    payment_ignore,
    payments_import_csv,
    payments_import_zengin,
)
from calsreg.core import clock
from calsreg.core.dates import month_parse
from calsreg.core.errors import NotFound, UploadRefused
from calsreg.directory.selectors import office_id_by_code
from calsreg.records.services import Actor

router = Router(tags=["請求・入金（請求代行）"], auth=BillingStaffToken())

_REFUSALS = {401: ErrorOut, 403: ErrorOut}


def _actor(request: HttpRequest) -> Actor:
    return Actor.api(request.auth)  # type: ignore[attr-defined]


@router.get(
    "/invoices",
    response={200: InvoicePageOut, 422: ErrorOut, **_REFUSALS},
    operation_id="billing_invoices_list",
    summary="請求書の一覧",
)
def invoices_list(request: HttpRequest, query: Query[InvoiceQueryIn]):
    """デスクの請求書一覧と同じ絞り込み・並び順（請求月の新しい順）です。page_size 件ずつ（省略時50件）、
    総数付きで返します。"""
    filters = InvoiceFilters(
        status=query.status.value if query.status else "",
        overdue=query.overdue,
        office_id=office_id_by_code(code=query.office) if query.office else None,
        run_month=month_parse(query.run_month, field="run_month", label=_("請求月"))
        if query.run_month
        else None,
    )
    rows = invoices_for_agent(filters=filters, today=clock.today())
    return query.page_of(rows)


@router.get(
    "/invoices/{number}",
    response={200: InvoiceOut, 404: ErrorOut, **_REFUSALS},
    operation_id="billing_invoice_get",
    summary="請求書（番号で）",
)
def invoice_get(request: HttpRequest, number: str):
    return invoice_by_number(number=number)


@router.post(
    "/invoices/{number}/posted",
    response={200: InvoiceOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, **_REFUSALS},
    operation_id="billing_invoice_posted",
    summary="郵送日の記録",
)
def invoice_posted(request: HttpRequest, number: str, body: PostedIn):
    """発行済みの請求書を郵送済みにします。到着日と支払期限が決まります。"""
    invoice = invoice_by_number(number=number)
    invoices_mark_posted(invoices=[invoice], posted_on=body.posted_on, actor=_actor(request))
    return invoice_by_number(number=number)


def _payment(pk: int) -> Payment:
    return payments_with_allocated().prefetch_related("allocations__invoice").get(pk=pk)


@router.post(
    "/payments",
    response={201: PaymentOut, 422: ErrorOut, **_REFUSALS},
    operation_id="billing_payment_create",
    summary="入金の手入力",
)
def payment_create(request: HttpRequest, body: ManualPaymentIn):
    """入金を登録し、すぐに消込を試みます（結果は status と allocations）。"""
    payment = payment_create_manual(
        received_on=body.received_on,
        amount=body.amount,
        payer_name=body.payer_name,
        payer_code=body.payer_code,
        note=body.note,
        actor=_actor(request),
    )
    return Status(201, _payment(payment.pk))


@router.post(
    "/payments/imports",
    response={200: PaymentImportOut, 201: PaymentImportOut, 422: ErrorOut, **_REFUSALS},
    operation_id="billing_payment_import",
    summary="入金ファイルの取込（全銀 振込入金通知 / CSV）",
)
def payment_import(request: HttpRequest, file: File[UploadedFile], kind: Form[ImportKind]):  # type: ignore[valid-type]
    """multipart/form-data の file と kind（zengin / csv）で送ります。取り込んだら 201、同じファイルを
    取込済みなら 200（created=false、何も変更しません）。形式の誤りは 422 で、行と項目ごとに
    `errors[].field = "lines[3].amount"` の形で返し、何も保存しません。入金件数が多いファイルは検証後に
    受け付けて 201（status=queued）を返し、ワーカーが順に取り込みます（件数は完了後に入ります）。"""
    if file.size is None or file.size > settings.PAYMENT_IMPORT_MAX_BYTES:
        raise UploadRefused(
            _("ファイルが大きすぎます（上限 %(limit)s バイト）。")
            % {"limit": f"{settings.PAYMENT_IMPORT_MAX_BYTES:,}"}
        )
    service = payments_import_csv if kind.value == PaymentImportKind.CSV else payments_import_zengin
    result = service(content=file.read(), filename=file.name or "payments", actor=_actor(request))
    record = result.payment_import
    body = {
        "id": record.pk,
        "created": result.created,
        "message": result.message,
        "kind": record.kind,
        "original_name": record.original_name,
        "imported_at": record.imported_at,
        "status": record.status,
        "total": record.total,
        "error": record.error,
        "payment_count": record.payment_count,
        "duplicate_count": record.duplicate_count,
        "total_amount": record.total_amount,
        "matched_count": record.matched_count,
        "partially_matched_count": record.partially_matched_count,
        "unmatched_count": record.unmatched_count,
        "payments": [] if record.in_progress else list(payments_of_import(payment_import=record)),
    }
    return Status(201 if result.created else 200, body)


@router.get(
    "/payments/unmatched",
    response={200: PaymentPageOut, 422: ErrorOut, **_REFUSALS},
    operation_id="billing_payments_unmatched",
    summary="未消込の入金（充当待ち）",
)
def payments_unmatched_list(request: HttpRequest, query: Query[PagedQueryIn]):
    rows = payments_unmatched().prefetch_related("allocations__invoice")
    return query.page_of(rows)


@router.post(
    "/payments/{payment_id}/allocations",
    response={201: PaymentOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, **_REFUSALS},
    operation_id="billing_payment_allocate",
    summary="入金を請求書に充当",
)
def payment_allocation_create(request: HttpRequest, payment_id: int, body: AllocationIn):
    """入金の残りから amount 円を請求書に充当します。答えは充当後の入金です。"""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(_("入金が見つかりません。"))
    invoice = invoice_by_number(number=body.invoice_number)
    payment_allocate(payment=payment, invoice=invoice, amount=body.amount, actor=_actor(request))
    return Status(201, _payment(payment.pk))


@router.post(
    "/payments/{payment_id}/ignore",
    response={200: PaymentOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, **_REFUSALS},
    operation_id="billing_payment_ignore",
    summary="入金を対象外にする",
)
def payment_ignore_create(request: HttpRequest, payment_id: int, body: PaymentIgnoreIn):
    """返金や本サービス以外の振込など、充当しない入金（またはその残り）を対象外にします。reason は必須
    （空なら 400）。すでに対象外・充当済みの入金は 409 で、何も変更しません。答えは変更後の入金です。"""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(_("入金が見つかりません。"))
    payment_ignore(payment=payment, reason=body.reason, actor=_actor(request))
    return _payment(payment.pk)
