"""The billing agent's screens: invoices (filters, CSV), receivables aging, billing runs, and the
actions on one invoice. Each view parses, calls one selector or service, and renders or redirects;
a refusal (DomainError) becomes the page message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from calsreg.billing.agent_selectors import (
    invoice_for_agent,
    invoices_for_agent,
    receivables_aging,
    run_posting_summary,
    suspended_projects_owing,
)
from calsreg.billing.invoice_actions import InvoiceAction, invoice_action_applies, invoice_actions_available
from calsreg.billing.models import BillingRun, Invoice, InvoiceDocument, PaymentAllocation
from calsreg.billing.payments_selectors import allocations_of_invoice
from calsreg.billing.services import (
    PostingResult,
    billing_run_enqueue,
    billing_run_mark_posted,
    billing_run_preview,
    invoice_deferral_grant,
    invoice_reissue,
    invoice_set_arrival,
    invoice_void,
    invoices_mark_posted,
    invoices_mark_posted_selected,
)
from calsreg.billing.services.payments import payment_allocation_remove
from calsreg.core import clock
from calsreg.core.exports import csv_bytes
from calsreg.desk.billing.exports import (
    INVOICE_HEADER,
    aging_xlsx_response,
    invoice_csv_values,
    invoices_xlsx_response,
)
from calsreg.desk.billing.forms import (
    AllocationRemoveForm,
    ArrivalForm,
    BillingRunForm,
    BulkPostedForm,
    DeferralForm,
    InvoiceFilterForm,
    PostedForm,
    ReasonForm,
    SelectedPostedForm,
)
from calsreg.desk.billing.presenters import invoice_lines_shown
from calsreg.desk.feedback import form_errors_as_messages, run_service
from calsreg.desk.permissions import billing_agent_required
from calsreg.desk.previews import preview_then_act
from calsreg.records.services import Actor

INVOICE_PAGE_SIZE = 50


@require_GET
@billing_agent_required
def invoices(request: HttpRequest) -> HttpResponse:
    form = InvoiceFilterForm(request.GET)
    today = clock.today()
    rows = invoices_for_agent(filters=form.filters(), today=today)
    page = Paginator(rows, INVOICE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "desk/billing/invoices.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "run_form": BillingRunForm(),
            "runs": _recent_runs(),
            "postable": {
                invoice.pk
                for invoice in page.object_list
                if invoice_action_applies(invoice=invoice, action=InvoiceAction.POST)
            },
            "posted_form": SelectedPostedForm(initial={"posted_on": today}),
        },
    )


def _recent_runs() -> list[BillingRun]:
    return list(BillingRun.objects.order_by("-started_at", "-id")[:5])


CSV_HEADER = INVOICE_HEADER


@require_GET
@billing_agent_required
def invoices_csv(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV (UTF-8 with BOM, so Excel opens it as Japanese text)."""
    rows = invoices_for_agent(filters=InvoiceFilterForm(request.GET).filters(), today=clock.today())
    content = csv_bytes(
        header=CSV_HEADER,
        rows=(invoice_csv_values(invoice) for invoice in rows.iterator(chunk_size=2000)),
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invoices.csv"'
    return response


@require_GET
@billing_agent_required
def invoices_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered list as an Excel workbook (same filters and columns as the CSV)."""
    rows = invoices_for_agent(filters=InvoiceFilterForm(request.GET).filters(), today=clock.today())
    return invoices_xlsx_response(rows.iterator(chunk_size=2000))


@require_GET
@billing_agent_required
def aging_xlsx(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    buckets, total = receivables_aging(today=today)
    return aging_xlsx_response(buckets, total, today=today)


@require_GET
@billing_agent_required
def aging(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    buckets, total = receivables_aging(today=today)
    return render(request, "desk/billing/aging.html", {"buckets": buckets, "total": total, "today": today})


@require_GET
@billing_agent_required
def suspended(request: HttpRequest) -> HttpResponse:
    """Projects suspended (for non-payment or by hand) with the invoices they still owe."""
    return render(request, "desk/billing/suspended.html", {"rows": suspended_projects_owing()})


@require_POST
@billing_agent_required
def run_start(request: HttpRequest) -> HttpResponse:
    """The run's preview first (month, count, total, first and last number 予定); the confirmed POST
    queues the run (the worker issues the drafts) and shows its page, which polls its progress."""
    form = BillingRunForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("desk:billing_invoices")
    run_month = form.cleaned_data["run_month"]

    response, run = preview_then_act(
        request,
        preview=lambda: billing_run_preview(run_month=run_month),
        act=lambda token: billing_run_enqueue(
            run_month=run_month, actor=Actor.staff(request.user), preview=token
        ),
        template="desk/billing/run_preview.html",
        context={"run_month": run_month},
        back=lambda: redirect("desk:billing_invoices"),
        success=_("請求処理を開始しました。進み具合はこの画面に表示されます。"),
    )
    return redirect("desk:billing_run_detail", pk=run.pk) if run is not None else response


@require_GET
@billing_agent_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(BillingRun, pk=pk)
    # htmx asks for the progress fragment only, every 2 s while the run is going.
    template = (
        "desk/billing/run_progress.html" if request.headers.get("HX-Request") else "desk/billing/run.html"
    )
    context: dict[str, Any] = {"run": run}
    if not request.headers.get("HX-Request"):
        context.update(
            posted_form=BulkPostedForm(initial={"posted_on": clock.today()}),
            posting=run_posting_summary(run=run),
        )
    return render(request, template, context)


def _posted_message(result: PostingResult) -> str:
    return _(
        "%(posted)s件を郵送済みにしました（同じ郵送日で記録済み %(already)s件、対象外 %(skipped)s件）。"
    ) % {
        "posted": result.posted,
        "already": result.already,
        "skipped": result.skipped,
    }


@require_POST
@billing_agent_required
def run_mark_posted(request: HttpRequest, pk: int) -> HttpResponse:
    """Post every invoice of the run (or those on the carrier's list) with one posting date."""
    run = get_object_or_404(BillingRun, pk=pk)
    form = BulkPostedForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors_as_messages(request, form)
    else:
        run_service(
            request,
            lambda: billing_run_mark_posted(
                run=run,
                posted_on=form.cleaned_data["posted_on"],
                actor=Actor.staff(request.user),
                carrier_list=form.carrier_list(),
            ),
            _posted_message,
        )
    return redirect("desk:billing_run_detail", pk=run.pk)


@require_POST
@billing_agent_required
def invoices_mark_posted_view(request: HttpRequest) -> HttpResponse:
    """Post the invoices ticked on the list with one posting date."""
    form = SelectedPostedForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors_as_messages(request, form)
    else:
        run_service(
            request,
            lambda: invoices_mark_posted_selected(
                invoice_ids=form.cleaned_data["invoice"],
                posted_on=form.cleaned_data["posted_on"],
                actor=Actor.staff(request.user),
                carrier_list=form.carrier_list(),
            ),
            _posted_message,
        )
    return redirect("desk:billing_invoices")


@require_GET
@billing_agent_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        invoice = invoice_for_agent(invoice_id=pk)
    except Invoice.DoesNotExist as missing:
        raise Http404(_("請求書が見つかりません。")) from missing
    return render(
        request,
        "desk/billing/invoice.html",
        {
            "invoice": invoice,
            "allocations": list(allocations_of_invoice(invoice_id=invoice.pk)),
            "overdue": invoice.is_overdue(today=clock.today()),
            "lines": invoice_lines_shown(invoice),
            "actions": invoice_actions_available(invoice=invoice),
            "posted_form": PostedForm(initial={"posted_on": clock.today()}),
            "arrival_form": ArrivalForm(),
            "reason_form": ReasonForm(),
            "deferral_form": DeferralForm(),
            "allocation_remove_form": AllocationRemoveForm(),
        },
    )


def _invoice_action(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    action: Callable[[Invoice, dict, Actor], Any],
    done: str,
) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
    else:
        run_service(request, lambda: action(invoice, form.cleaned_data, Actor.staff(request.user)), done)
    return redirect(reverse("desk:billing_invoice_detail", args=[pk]))


@require_POST
@billing_agent_required
def invoice_mark_posted(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_action(
        request,
        pk,
        PostedForm,
        lambda i, d, a: invoices_mark_posted(invoices=[i], posted_on=d["posted_on"], actor=a),
        _("郵送日を記録しました。"),
    )


@require_POST
@billing_agent_required
def invoice_arrival(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_action(
        request,
        pk,
        ArrivalForm,
        lambda i, d, a: invoice_set_arrival(invoice=i, arrival_on=d["arrival_on"], actor=a),
        _("到着日を変更しました。"),
    )


@require_POST
@billing_agent_required
def invoice_void_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_action(
        request,
        pk,
        ReasonForm,
        lambda i, d, a: invoice_void(invoice=i, reason=d["reason"], actor=a),
        _("請求書を取り消しました。"),
    )


@require_POST
@billing_agent_required
def invoice_allocation_remove_view(request: HttpRequest, pk: int, allocation_pk: int) -> HttpResponse:
    """Take back one of the invoice's payment allocations (the payment returns to the queue)."""
    allocation = get_object_or_404(PaymentAllocation, pk=allocation_pk, invoice_id=pk)
    return _invoice_action(
        request,
        pk,
        AllocationRemoveForm,
        lambda _i, d, a: payment_allocation_remove(allocation=allocation, reason=d["reason"], actor=a),
        _("入金の充当を解除しました。入金は未消込の一覧に戻りました。"),
    )


@require_POST
@billing_agent_required
def invoice_reissue_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_action(
        request,
        pk,
        ReasonForm,
        lambda i, d, a: invoice_reissue(invoice=i, reason=d["reason"], actor=a),
        _("再発行の請求書を作成しました。"),
    )


@require_POST
@billing_agent_required
def invoice_deferral(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_action(
        request,
        pk,
        DeferralForm,
        lambda i, d, a: invoice_deferral_grant(invoice=i, until=d["until"], reason=d["reason"], actor=a),
        _("支払猶予を設定しました。"),
    )


@require_GET
@billing_agent_required
def run_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    """The run's print bundle (PDF) or mailing list (CSV); kept out of public media on purpose."""
    run = get_object_or_404(BillingRun, pk=pk)
    file = {"bundle": run.bundle_pdf, "mailing": run.mailing_csv}.get(which)
    if not file:
        raise Http404(_("ファイルがありません。"))
    return FileResponse(file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1])


@require_GET
@billing_agent_required
def invoice_document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    document = get_object_or_404(InvoiceDocument, pk=document_pk, invoice_id=pk)
    return FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        filename=document.file.name.rsplit("/", 1)[-1],
    )
