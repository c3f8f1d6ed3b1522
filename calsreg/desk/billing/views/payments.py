"""The billing agent's payment screens: import a bank file (Zengin transfer notice or CSV) and see its
match results, the history of imports, and the unmatched queue (allocate, ignore, manual entry).

Each view parses, calls one selector or service, and renders or redirects; a refusal (DomainError)
becomes the page message, a refused file the list of its problems with line and field.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calsreg.billing.agent_selectors import invoice_by_number
from calsreg.billing.models import Payment, PaymentImport, PaymentImportKind
from calsreg.billing.models.payments import QUEUE_STATUSES
from calsreg.billing.payment_suggestions import invoice_suggestions
from calsreg.billing.payments_selectors import (
    payment_imports_recent,
    payments_of_import,
    payments_unmatched,
    payments_with_allocated,
)
from calsreg.billing.services.payments import (
    payment_allocate,
    payment_create_manual,
    payment_ignore,
    payments_import_csv,
    payments_import_zengin,
)
from calsreg.billing.zengin import PaymentFileRefused
from calsreg.billing.zengin.csv_columns import ENCODING_NOTE, payments_csv_columns, payments_csv_sample_bytes
from calsreg.core.errors import DomainError, ValidationFailed
from calsreg.desk.billing.forms import AllocationForm, IgnoreForm, ManualPaymentForm, PaymentImportForm
from calsreg.desk.feedback import form_errors_as_messages, refusal_as_messages
from calsreg.desk.permissions import billing_agent_required
from calsreg.records.services import Actor

QUEUE_PAGE_SIZE = 50
IMPORTS_SHOWN = 100

# Why matching left a payment (partly) unplaced (``Payment.match_detail["reason"]``), for the agent.
REASONS = {
    "no_candidate": _lazy(
        "該当する請求書がありません（番号・お客様番号・振込依頼人名のいずれも一致しません）"
    ),
    "amount_mismatch": _lazy("振込依頼人名は一致しますが、金額が未入金額と合いません"),
    "ambiguous": _lazy("金額と振込依頼人名に合う請求書が複数の会社にあります"),
    "code_not_open": _lazy("番号は当社のものですが、未入金の請求書がありません（二重払い・入金済み）"),
    "overpaid": _lazy("請求額を超える入金です（超過分が残っています）"),
    "cancellation": _lazy("銀行の取消通知です（元の入金の充当を確認してください）"),
}


def _with_reasons(payments: list[Payment]) -> list[Payment]:
    for payment in payments:
        reason = (payment.match_detail or {}).get("reason", "")
        payment.reason_label = str(REASONS.get(reason, reason))  # type: ignore[attr-defined]
    return payments


@require_http_methods(["GET", "POST"])
@billing_agent_required
def payment_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: import; success or an earlier import of the same file → its results
    page with the message; a refused file → this page again with every problem (nothing is saved)."""
    if request.method == "GET":
        return render(request, "desk/billing/payments/import.html", _import_context(PaymentImportForm()))
    form = PaymentImportForm(request.POST, request.FILES)
    context: dict = _import_context(form)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        service = (
            payments_import_csv
            if form.cleaned_data["kind"] == PaymentImportKind.CSV
            else payments_import_zengin
        )
        try:
            result = service(
                content=upload.read(), filename=upload.name or "", actor=Actor.staff(request.user)
            )
        except PaymentFileRefused as refused:
            context.update(problems=refused.problems, total_problems=refused.total_problems, refused=refused)
        except ValidationFailed as refusal:
            context["errors"] = refusal.errors
        except DomainError as refusal:
            context["error"] = refusal.message
        else:
            (messages.success if result.created else messages.warning)(request, result.message)
            return redirect("desk:billing_payment_import_detail", pk=result.payment_import.pk)
    return render(request, "desk/billing/payments/import.html", context, status=422)


def _import_context(form: PaymentImportForm) -> dict:
    return {"form": form, "csv_columns": payments_csv_columns(), "csv_encoding_note": ENCODING_NOTE}


@require_GET
@billing_agent_required
def payment_csv_sample(request: HttpRequest) -> HttpResponse:
    """A sample payments CSV, written from the reader's own column table."""
    response = HttpResponse(payments_csv_sample_bytes(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="payments-sample.csv"'
    return response


@require_GET
@billing_agent_required
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One unmatched payment with the invoices it may pay, each matched in one click."""
    payment = get_object_or_404(payments_with_allocated().select_related("payment_import"), pk=pk)
    remaining = int(payment.unallocated)  # type: ignore[attr-defined]  # annotated
    return render(
        request,
        "desk/billing/payments/detail.html",
        {
            "payment": _with_reasons([payment])[0],
            "remaining": remaining,
            "suggestions": invoice_suggestions(payment=payment, remaining=remaining),
            "open": payment.status in QUEUE_STATUSES,
        },
    )


@require_GET
@billing_agent_required
def payment_imports(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/billing/payments/imports.html",
        {"imports": list(payment_imports_recent(limit=IMPORTS_SHOWN))},
    )


@require_GET
@billing_agent_required
def payment_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The results of an import; while the worker carries it on, its progress (polled by htmx)."""
    payment_import = get_object_or_404(PaymentImport.objects.select_related("evidence"), pk=pk)
    if request.headers.get("HX-Request"):
        return render(
            request, "desk/billing/payments/import_progress.html", {"payment_import": payment_import}
        )
    finished = not payment_import.in_progress
    payments = payments_of_import(payment_import=payment_import) if finished else []
    return render(
        request,
        "desk/billing/payments/import_detail.html",
        {"payment_import": payment_import, "payments": _with_reasons(list(payments))},
    )


@require_GET
@billing_agent_required
def unmatched(request: HttpRequest) -> HttpResponse:
    page = Paginator(payments_unmatched(), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_reasons(list(page.object_list))
    return render(
        request,
        "desk/billing/payments/unmatched.html",
        {
            "page": page,
            "allocation_form": AllocationForm(),
            "ignore_form": IgnoreForm(),
            "manual_form": ManualPaymentForm(),
        },
    )


@require_POST
@billing_agent_required
def payment_manual(request: HttpRequest) -> HttpResponse:
    form = ManualPaymentForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("desk:billing_payments_unmatched")
    try:
        payment = payment_create_manual(**form.cleaned_data, actor=Actor.staff(request.user))
    except DomainError as refusal:
        refusal_as_messages(request, refusal)
    else:
        messages.success(
            request,
            _("入金 %(amount)s円（%(payer)s）を登録しました（%(status)s）。")
            % {
                "amount": f"{payment.amount:,}",
                "payer": payment.payer_name,
                "status": payment.get_status_display(),
            },
        )
    return redirect("desk:billing_payments_unmatched")


@require_POST
@billing_agent_required
def payment_allocate_view(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment, pk=pk)
    form = AllocationForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("desk:billing_payments_unmatched")
    try:
        invoice = invoice_by_number(number=form.cleaned_data["invoice_number"])
        allocation = payment_allocate(
            payment=payment,
            invoice=invoice,
            amount=form.cleaned_data["amount"],
            actor=Actor.staff(request.user),
        )
    except DomainError as refusal:
        refusal_as_messages(request, refusal)
    else:
        messages.success(
            request,
            _("入金 %(amount)s円を請求書 %(number)s に充当しました。")
            % {"amount": f"{allocation.cash_amount:,}", "number": invoice.number},
        )
    return redirect("desk:billing_payments_unmatched")


@require_POST
@billing_agent_required
def payment_ignore_view(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment, pk=pk)
    form = IgnoreForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("desk:billing_payments_unmatched")
    try:
        payment_ignore(payment=payment, reason=form.cleaned_data["reason"], actor=Actor.staff(request.user))
    except DomainError as refusal:
        refusal_as_messages(request, refusal)
    else:
        messages.success(request, _("入金を対象外にしました。"))
    return redirect("desk:billing_payments_unmatched")
