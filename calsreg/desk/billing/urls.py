"""The billing agent's screens (billing agent and administrator only)."""

from django.urls import path

from calsreg.desk.billing.views import invoices, payments

urlpatterns = [
    path("billing/", invoices.invoices, name="billing_invoices"),
    path("billing/invoices.csv", invoices.invoices_csv, name="billing_invoices_csv"),
    path("billing/invoices.xlsx", invoices.invoices_xlsx, name="billing_invoices_xlsx"),
    path("billing/aging/", invoices.aging, name="billing_aging"),
    path("billing/suspended/", invoices.suspended, name="billing_suspended"),
    path("billing/aging.xlsx", invoices.aging_xlsx, name="billing_aging_xlsx"),
    path("billing/runs/", invoices.run_start, name="billing_run_start"),
    path("billing/runs/<int:pk>/", invoices.run_detail, name="billing_run_detail"),
    path("billing/runs/<int:pk>/posted/", invoices.run_mark_posted, name="billing_run_posted"),
    path("billing/invoices/posted/", invoices.invoices_mark_posted_view, name="billing_invoices_posted"),
    path("billing/runs/<int:pk>/<str:which>/", invoices.run_file, name="billing_run_file"),
    path("billing/invoices/<int:pk>/", invoices.invoice_detail, name="billing_invoice_detail"),
    path("billing/invoices/<int:pk>/posted/", invoices.invoice_mark_posted, name="billing_invoice_posted"),
    path("billing/invoices/<int:pk>/arrival/", invoices.invoice_arrival, name="billing_invoice_arrival"),
    path("billing/invoices/<int:pk>/void/", invoices.invoice_void_view, name="billing_invoice_void"),
    path(
        "billing/invoices/<int:pk>/allocations/<int:allocation_pk>/remove/",
        invoices.invoice_allocation_remove_view,
        name="billing_invoice_allocation_remove",
    ),
    path("billing/invoices/<int:pk>/reissue/", invoices.invoice_reissue_view, name="billing_invoice_reissue"),
    path("billing/invoices/<int:pk>/deferral/", invoices.invoice_deferral, name="billing_invoice_deferral"),
    path(
        "billing/invoices/<int:pk>/documents/<int:document_pk>/",
        invoices.invoice_document,
        name="billing_invoice_document",
    ),
]

urlpatterns += [
    path("billing/payments/", payments.unmatched, name="billing_payments_unmatched"),
    path("billing/payments/import/", payments.payment_import, name="billing_payment_import"),
    path("billing/payments/sample.csv", payments.payment_csv_sample, name="billing_payment_csv_sample"),
    path("billing/payments/<int:pk>/", payments.payment_detail, name="billing_payment_detail"),
    path("billing/payments/imports/", payments.payment_imports, name="billing_payment_imports"),
    path(
        "billing/payments/imports/<int:pk>/",
        payments.payment_import_detail,
        name="billing_payment_import_detail",
    ),
    path("billing/payments/manual/", payments.payment_manual, name="billing_payment_manual"),
    path(
        "billing/payments/<int:pk>/allocate/", payments.payment_allocate_view, name="billing_payment_allocate"
    ),
    path("billing/payments/<int:pk>/ignore/", payments.payment_ignore_view, name="billing_payment_ignore"),
]
