"""Django admin for the billing configuration (administrator) and read-only views of what was issued."""

from __future__ import annotations

from django.contrib import admin

from calsreg.billing.models import (
    BillingRun,
    FeePlan,
    Invoice,
    InvoiceDocument,
    InvoiceLine,
    Issuer,
    TaxRate,
)


@admin.register(Issuer)
class IssuerAdmin(admin.ModelAdmin):
    list_display = ("name", "registration_number", "bank_name", "bank_branch", "account_number", "active")
    list_filter = ("active",)


@admin.register(FeePlan)
class FeePlanAdmin(admin.ModelAdmin):
    list_display = (
        "organisation",
        "name",
        "kind",
        "active_from",
        "monthly_fee",
        "initial_fee",
        "invoice_cutoff_day",
    )
    list_filter = ("organisation", "kind")


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "rate_percent")


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    readonly_fields = (
        "position",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "amount",
        "tax_rate_percent",
        "explanation",
    )


class InvoiceDocumentInline(admin.TabularInline):
    model = InvoiceDocument
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "file", "sha256", "size_bytes", "created_at", "created_by_label")


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Read-only: invoices change only through the billing services (numbering, audit, PDFs)."""

    list_display = ("number", "kind", "status", "billing_addressee", "run_month", "total", "due_on")
    list_filter = ("status", "kind", "run_month")
    search_fields = ("number", "customer_code", "billing_addressee", "project__project_number")
    inlines = [InvoiceLineInline, InvoiceDocumentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BillingRun)
class BillingRunAdmin(admin.ModelAdmin):
    list_display = ("run_month", "status", "done", "total", "issued_count", "skipped_count", "started_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
