"""The Django admin for applications: a maintenance view, not the help desk's workplace.

The desk works applications through its own pages, whose services check the transition table and
write the audit row. The admin must not become a side door around them: applications and their
users are read-only here (a contact's e-mail or phone changes only through a verified change
request).
"""

from __future__ import annotations

from django.contrib import admin

from calsreg.applications.models import Application, ApplicationUser
from calsreg.core.admin import ReadOnlyAdminMixin


class ApplicationUserInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ApplicationUser
    extra = 0
    fields = ("position", "role", "name", "kana", "email", "phone", "requested_id")
    ordering = ("position",)


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
