"""Lifecycle events for the services that mirror calsreg (provisioning), their subscribers and the
webhook deliveries of each event to each subscriber.

An event names what it is about by strings (the project number, the account ID), never by a
foreign key: this app sits below accounts so that the owning services can write an event in the
same transaction as their change.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel
from calsreg.core.outbound import OutboundDelivery, OutboundStatus
from calsreg.events.types import EventType


class Event(models.Model):
    """One change a subscribing service must mirror. ``id`` only grows: it is the feed's cursor."""

    id = models.BigAutoField(primary_key=True)
    public_id = models.UUIDField(_("イベントID"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("種類"), max_length=40, choices=EventType.choices)
    occurred_at = models.DateTimeField(_("発生日時"))
    project_number = models.CharField(_("工事番号"), max_length=40, blank=True, db_index=True)
    account_id = models.CharField(_("アカウントID"), max_length=150, blank=True, db_index=True)
    # The claims' data only (docs/events.md): never a password, a phone number or an address.
    payload = models.JSONField(_("内容"), default=dict)

    class Meta:
        verbose_name = _("連携イベント")
        verbose_name_plural = _("連携イベント")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(type__in=EventType.values), name="event_type_valid"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type}"


class Subscriber(TimeStampedModel):
    """A service that receives the events: by signed webhooks, and through the pull feed."""

    name = models.CharField(_("名前"), max_length=100, unique=True)
    # The OpenID Connect relying party this subscriber is (linked when relying parties exist).
    client_id = models.CharField(_("クライアントID"), max_length=100, blank=True)
    webhook_url = models.URLField(_("Webhook URL"), max_length=500, blank=True)
    # Kept in clear on purpose: an HMAC is computed with the secret itself, so a digest would not do.
    # Shown once at creation or rotation; readable only by whoever reads the database.
    signing_secret = models.CharField(_("署名用シークレット"), max_length=100)
    # The secret replaced by the last rotation, still signing beside the new one until the time
    # below, so a receiver can switch without rejecting anything in between.
    previous_signing_secret = models.CharField(_("以前の署名用シークレット"), max_length=100, blank=True)
    previous_signing_secret_until = models.DateTimeField(
        _("以前の署名用シークレットの有効期限"), null=True, blank=True
    )
    # The pull feed's bearer token: only its SHA-256 (as for staff API tokens).
    feed_token_prefix = models.CharField(_("フィード用トークンの先頭文字"), max_length=16)
    feed_token_hash = models.CharField(_("フィード用トークンのSHA-256"), max_length=64, unique=True)
    feed_last_used_at = models.DateTimeField(_("フィードの最終利用日時"), null=True, blank=True)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("イベントの購読者")
        verbose_name_plural = _("イベントの購読者")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# One state machine for every outbound delivery (``core.outbound``); the name webhooks know it by.
WebhookStatus = OutboundStatus


class WebhookDelivery(TimeStampedModel, OutboundDelivery):
    """One event to one subscriber; the subscriber's delivery log is its rows."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")

    class Meta:
        verbose_name = _("Webhook送信")
        verbose_name_plural = _("Webhook送信")
        indexes = [models.Index(fields=["subscriber", "status", "event"], name="webhook_queue_idx")]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="webhook_event_subscriber_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=WebhookStatus.values), name="webhook_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=WebhookStatus.DELIVERED) | models.Q(delivered_at__isnull=False),
                name="webhook_delivered_has_delivered_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber} ({self.get_status_display()})"
