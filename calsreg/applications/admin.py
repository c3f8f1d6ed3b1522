"""The Django admin for applications: a maintenance view, not the help desk's workplace.

The desk works applications through its own pages, whose services check the transition table and
write the audit row. The admin must not become a side door around them, so the fields that carry the
application's history (receipt number, status, channel, dates, what the applicant agreed to) are read
only here, and applications can neither be added nor deleted through it.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from calsreg.applications.models import Application, ApplicationUser


class ApplicationUserInline(admin.TabularInline):
    model = ApplicationUser
    extra = 0
    fields = ("position", "role", "name", "kana", "email", "phone", "requested_id")
    ordering = ("position",)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = (
        "receipt_number",
        "status",
        "office",
        "project_number",
        "project_name",
        "contractor_name",
        "submitted_at",
    )
    list_filter = ("status", "office")
    search_fields = (
        "receipt_number",
        "project_number",
        "project_name",
        "contractor_name",
        "applicant_name",
        "applicant_email",
    )
    list_select_related = ("office",)
    # The total behind "n of N" is a second COUNT(*) over the whole table on every page load;
    # with tens of thousands of applications it costs as much as the page itself.
    show_full_result_count = False
    inlines = (ApplicationUserInline,)
    # A select of every application / every supervisor would render tens of thousands of options.
    raw_id_fields = ("duplicate_of",)
    autocomplete_fields = ("supervisors",)
    readonly_fields = (
        "receipt_number",
        "status",
        "channel",
        "form_version",
        "submitted_at",
        "terms_version",
        "terms_accepted_at",
        "stated_supervisors",
        "notices",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False
