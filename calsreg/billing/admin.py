"""Django admin for billing: the configuration (seller, billing agent, issuing regime, fee plans, tax
rates), saved through ``billing.services.config`` with an audit event — its rules across rows shown
on the field concerned before anything is saved — and read-only views of what was issued: invoices
and runs change only through the billing services (numbering, audit, PDFs)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from calsreg.billing.models import (
    BillingRun,
    FeePlan,
    Invoice,
    InvoiceDocument,
    InvoiceLine,
    Issuer,
    IssuingArrangement,
    Seller,
    TaxRate,
)
from calsreg.billing.services.config import billing_config_problems, billing_config_save
from calsreg.core.admin import ReadOnlyAdminMixin
from calsreg.records.services import Actor


class BillingConfigForm(forms.ModelForm):
    """The model form, plus the service's rules across rows, each on its field."""

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # Django's hook after the instance is built
        if not self.errors:
            for name, message in billing_config_problems(config=self.instance).items():
                self.add_error(name if name in self.fields else None, message)


class BillingConfigAdmin(admin.ModelAdmin):
    """Added and changed through the audited service; never deleted (superseded instead)."""

    form = BillingConfigForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        billing_config_save(config=obj, actor=Actor.staff(request.user))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Issuer)
class IssuerAdmin(BillingConfigAdmin):
    list_display = (
        "name",
        "registration_number",
        "valid_from",
        "valid_until",
        "bank_name",
        "bank_branch",
        "account_number",
        "active",
    )
    list_filter = ("active",)


@admin.register(Seller)
class SellerAdmin(BillingConfigAdmin):
    list_display = ("name", "registration_number", "valid_from", "valid_until")


@admin.register(IssuingArrangement)
class IssuingArrangementAdmin(BillingConfigAdmin):
    list_display = ("regime", "valid_from", "valid_until", "seller_notified_on")


@admin.register(FeePlan)
class FeePlanAdmin(BillingConfigAdmin):
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
class TaxRateAdmin(BillingConfigAdmin):
    list_display = ("valid_from", "rate_percent")


class InvoiceLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceLine
    extra = 0


class InvoiceDocumentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceDocument
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "kind", "status", "billing_addressee", "run_month", "total", "due_on")
    list_filter = ("status", "kind", "run_month")
    search_fields = ("number", "customer_code", "billing_addressee", "project__project_number")
    inlines = [InvoiceLineInline, InvoiceDocumentInline]


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("run_month", "status", "done", "total", "issued_count", "skipped_count", "started_at")
