"""The top page's notices: edited here by the administrator, saved and deleted through
``portal.notices`` so that each change is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from calsreg.portal.models import Notice
from calsreg.portal.notices import notice_delete, notice_save
from calsreg.records.services import Actor


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "published_at", "display_until")
    list_filter = ("kind",)
    search_fields = ("title", "body")
    date_hierarchy = "published_at"

    def save_model(self, request: HttpRequest, obj: Notice, form: Any, change: bool) -> None:
        notice_save(notice=obj, actor=Actor.staff(request.user))

    def delete_model(self, request: HttpRequest, obj: Notice) -> None:
        notice_delete(notice=obj, actor=Actor.staff(request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        for notice in queryset:
            notice_delete(notice=notice, actor=Actor.staff(request.user))
