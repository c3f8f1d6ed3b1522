"""Read-only: the directory changes only through its CSV import (``directory.services``), which
validates every row and audits the change — a supervisor's address and phone are what the
confirmation mail and the impersonation check's call go to."""

from django.contrib import admin

from calsreg.core.admin import ReadOnlyAdminMixin
from calsreg.directory.models import OrdererOffice, OrdererOrganisation, Supervisor


@admin.register(OrdererOrganisation)
class OrdererOrganisationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(OrdererOffice)
class OrdererOfficeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "organisation", "active")
    list_filter = ("organisation", "active")


@admin.register(Supervisor)
class SupervisorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "title", "office", "email", "phone", "active")
    list_filter = ("office", "title", "active")
    search_fields = ("name", "kana", "email")
