"""The billing agent's screens (billing agent and administrator only)."""

from django.urls import path

from calsreg.desk.views import billing, payments

urlpatterns = [
    path("billing/", billing.invoices, name="billing_invoices"),
    path("billing/invoices.csv", billing.invoices_csv, name="billing_invoices_csv"),
    path("billing/invoices.xlsx", billing.invoices_xlsx, name="billing_invoices_xlsx"),
    path("billing/aging/", billing.aging, name="billing_aging"),
    path("billing/suspended/", billing.suspended, name="billing_suspended"),
    path("billing/aging.xlsx", billing.aging_xlsx, name="billing_aging_xlsx"),
    path("billing/runs/", billing.run_start, name="billing_run_start"),
    path("billing/runs/<int:pk>/", billing.run_detail, name="billing_run_detail"),
    path("billing/runs/<int:pk>/posted/", billing.run_mark_posted, name="billing_run_posted"),
    path("billing/invoices/posted/", billing.invoices_mark_posted_view, name="billing_invoices_posted"),
    path("billing/runs/<int:pk>/<str:which>/", billing.run_file, name="billing_run_file"),
    path("billing/invoices/<int:pk>/", billing.invoice_detail, name="billing_invoice_detail"),
    path("billing/invoices/<int:pk>/posted/", billing.invoice_mark_posted, name="billing_invoice_posted"),
    path("billing/invoices/<int:pk>/arrival/", billing.invoice_arrival, name="billing_invoice_arrival"),
    path("billing/invoices/<int:pk>/void/", billing.invoice_void_view, name="billing_invoice_void"),
    path("billing/invoices/<int:pk>/reissue/", billing.invoice_reissue_view, name="billing_invoice_reissue"),
    path("billing/invoices/<int:pk>/deferral/", billing.invoice_deferral, name="billing_invoice_deferral"),
    path(
        "billing/invoices/<int:pk>/documents/<int:document_pk>/",
        billing.invoice_document,
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
