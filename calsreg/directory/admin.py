from django.contrib import admin

from calsreg.directory.models import OrdererOffice, OrdererOrganisation, Supervisor


@admin.register(OrdererOrganisation)
class OrdererOrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(OrdererOffice)
class OrdererOfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "organisation", "active")
    list_filter = ("organisation", "active")


@admin.register(Supervisor)
class SupervisorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "title", "office", "email", "phone", "active")
    list_filter = ("office", "title", "active")
    search_fields = ("name", "kana", "email")
