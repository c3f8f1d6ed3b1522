from django.contrib import admin

from calsreg.portal.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "published_at", "display_until")
    list_filter = ("kind",)
    search_fields = ("title", "body")
    date_hierarchy = "published_at"
