"""Read-only admin views: deliveries change only through the services (retries, desk re-send)."""

from __future__ import annotations

from django.contrib import admin

from calsreg.core.admin import ReadOnlyAdminMixin
from calsreg.notifications.models import Delivery, OutboxMessage


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "to_address",
        "language",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "kind", "language")
    search_fields = ("to_address", "idempotency_key", "message_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "sent_at", "to_addresses", "subject", "delivery")
    search_fields = ("to_addresses", "subject", "message_id")
    list_select_related = ("delivery",)
    date_hierarchy = "sent_at"
    ordering = ("-sent_at", "-id")
