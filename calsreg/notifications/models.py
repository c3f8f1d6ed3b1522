"""Mail deliveries (one row per notice to send) and the demo outbox (one row per mail "sent").

A delivery names what it is about the way ``calsreg.records`` does (``subject_type`` = the model's
``_meta.model_name``, ``subject_id`` = its pk), so this app imports no domain app.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel
from calsreg.core.transitions import ensure_transition
from calsreg.notifications.kinds import kind_label


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("送信待ち")
    SENDING = "sending", _("送信中")
    SENT = "sent", _("送信済み")
    FAILED = "failed", _("送信失敗")


# The one table of allowed moves. sending → pending is both the automatic retry and the desk's
# explicit re-send of a row stuck in ``sending``; failed → pending is the desk's re-send.
# pending → sent: an attempt whose lease ran out reports its 250 before the row is claimed again.
# sent → failed: the recipient's server accepted the mail and then returned it (a bounce, DSN).
TRANSITIONS: dict[str, frozenset[str]] = {
    DeliveryStatus.PENDING: frozenset({DeliveryStatus.SENDING, DeliveryStatus.SENT}),
    DeliveryStatus.SENDING: frozenset({DeliveryStatus.SENT, DeliveryStatus.PENDING, DeliveryStatus.FAILED}),
    DeliveryStatus.SENT: frozenset({DeliveryStatus.FAILED}),
    DeliveryStatus.FAILED: frozenset({DeliveryStatus.PENDING}),
}


def send_lease() -> timedelta:
    """How long a claim on ``sending`` holds. Older, its worker is taken for dead and the row is sent
    again (calsreg.notifications.recovery): far beyond EMAIL_TIMEOUT × the few SMTP round trips of
    one message, so an attempt still in progress is never mistaken for a dead one."""
    return timedelta(seconds=settings.MAIL_SEND_LEASE_SECONDS)


class MailLanguage(models.TextChoices):
    JA = "ja", _("日本語")
    EN = "en", _("英語")


# A time before any attempt: a delivery never attempted sorts after every attempted one (newest first).
NEVER_ATTEMPTED = datetime(1970, 1, 1, tzinfo=UTC)
# The troubled list's order over ``attempted_key()`` annotated as "attempted"; the id breaks ties.
TROUBLED_ORDER = ("-attempted", "-id")


def attempted_key() -> Coalesce:
    """The last attempt's time, never NULL, so a list can be read by key on it."""
    return Coalesce("last_attempt_at", models.Value(NEVER_ATTEMPTED), output_field=models.DateTimeField())


class Delivery(TimeStampedModel):
    """One notice to one address. Rendered from ``context`` at send time, never before."""

    kind = models.CharField(_("種類"), max_length=64)
    to_address = models.CharField(_("宛先"), max_length=254)
    language = models.CharField(
        _("言語"), max_length=8, choices=MailLanguage.choices, default=MailLanguage.JA
    )
    # Only what the template needs; secrets (initial passwords) are never put here but supplied by
    # the kind's send-time hook (see calsreg.notifications.rendering.register_prepare).
    context = models.JSONField(_("差込データ"), default=dict, blank=True)
    subject_type = models.CharField(_("対象の種類"), max_length=40)
    subject_id = models.BigIntegerField(_("対象ID"))
    idempotency_key = models.CharField(_("重複防止キー"), max_length=200)
    status = models.CharField(
        _("状態"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("送信試行回数"), default=0)
    next_attempt_at = models.DateTimeField(_("次回送信予定"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最終試行日時"), null=True, blank=True)
    last_error = models.TextField(_("最後のエラー"), blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    # Set when an attempt is claimed, before SMTP: a row stuck in "sending" can be looked up in the
    # mail server's log by this id to find out whether it left.
    # Set at the first claim and kept by every later attempt (the idempotency key): a mail re-sent
    # after an attempt of unknown outcome is the same message to the recipient's mail client.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    # A fresh token per claimed attempt: only the attempt that holds the claim records its outcome.
    claim_token = models.CharField(max_length=32, blank=True)
    # The first attempt of the current series: retries stop MAIL_RETRY_HOURS after it.
    first_attempt_at = models.DateTimeField(_("初回試行日時"), null=True, blank=True)
    # The last failure could pass (server down, timeout, 4xx): sent again once the server answers.
    failure_transient = models.BooleanField(_("一時的な失敗"), default=False)
    # When a bounce (a delivery status notification) for this mail was read from the help desk's
    # mailbox. Kept after a re-send: the address bounced once, so no automatic reply goes to it.
    bounced_at = models.DateTimeField(_("配信不能の通知の受信日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("メール送信")
        verbose_name_plural = _("メール送信")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="delivery_subject_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            # The desk's failed-and-stuck list, newest attempt first, read by key (TROUBLED_ORDER).
            models.Index(
                attempted_key().desc(),
                models.F("id").desc(),
                name="delivery_troubled_idx",
                condition=models.Q(status__in=[DeliveryStatus.FAILED, DeliveryStatus.SENDING]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="delivery_idempotency_key_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DeliveryStatus.PENDING) | models.Q(next_attempt_at__isnull=False),
                name="delivery_pending_has_next_attempt",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DeliveryStatus.SENT) | models.Q(sent_at__isnull=False),
                name="delivery_sent_has_sent_at",
            ),
        ]

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_address} ({self.get_status_display()})"

    def transition_to(self, target: str) -> None:
        """Set ``status`` or raise InvalidTransition; the caller saves."""
        ensure_transition(
            table=TRANSITIONS,
            choices=DeliveryStatus,
            current=self.status,
            target=target,
            message=_("「%(current)s」のメールを「%(target)s」にすることはできません。"),
        )
        self.status = target


class OutboxMessage(models.Model):
    """A mail handed to the demo outbox backend instead of an SMTP server, kept readable.

    Demo only. Stored with its secrets withheld (calsreg.notifications.rendering.Secret): no
    initial password and no access link is ever kept here.
    """

    sent_at = models.DateTimeField(_("送信日時"), db_index=True)
    from_address = models.CharField(_("差出人"), max_length=320)
    to_addresses = models.TextField(_("宛先"))
    subject = models.TextField(_("件名"))
    body = models.TextField(_("本文"))
    raw = models.TextField(_("メールソース"))
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("メール送信"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )

    class Meta:
        verbose_name = _("送信済みメール（デモ）")
        verbose_name_plural = _("送信済みメール（デモ）")

    def __str__(self) -> str:
        return f"{self.sent_at:%Y-%m-%d %H:%M} {self.subject}"


class StaffAudience(models.TextChoices):
    """Who a staff notice is for: the help desk (and administrators), or the billing agent."""

    DESK = "desk", _("ヘルプデスク")
    BILLING = "billing", _("請求担当")


class StaffNoticeKind(models.TextChoices):
    APPLICATION_RECEIVED = "application_received", _("新しい申込")
    SUPERVISOR_ANSWERED = "supervisor_answered", _("監督員の回答")
    CHANGE_REQUEST_FILED = "change_request_filed", _("変更申込")
    REPLY_MAIL_RECORDED = "reply_mail_recorded", _("返信メールの記録")
    PAYMENT_UNMATCHED = "payment_unmatched", _("照合できない入金")
    MAIL_FAILED = "mail_failed", _("メール送信失敗")


class StaffNotice(models.Model):
    """Something that arrived for the staff, shown as a badge and a list (never one mail per event).

    ``summary`` is an untranslated message id with ``%(name)s`` placeholders filled from
    ``summary_params`` when shown, as in the audit log; the subject is named like a delivery's.
    """

    at = models.DateTimeField(_("日時"), db_index=True)
    kind = models.CharField(_("種類"), max_length=32, choices=StaffNoticeKind.choices)
    audience = models.CharField(_("宛先"), max_length=16, choices=StaffAudience.choices)
    summary = models.CharField(_("内容"), max_length=300)
    summary_params = models.JSONField(_("内容の差込データ"), default=dict, blank=True)
    subject_type = models.CharField(_("対象の種類"), max_length=40)
    subject_id = models.BigIntegerField(_("対象ID"))

    class Meta:
        verbose_name = _("スタッフへのお知らせ")
        verbose_name_plural = _("スタッフへのお知らせ")
        indexes = [models.Index(fields=["audience", "id"], name="staff_notice_audience_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type}#{self.subject_id}"


class StaffInbox(models.Model):
    """One operator's read state and digest choice. Notices up to ``read_up_to`` (an id) are read:
    a watermark, so marking everything read is one UPDATE however many notices there are."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_inbox", verbose_name=_("職員")
    )
    read_up_to = models.BigIntegerField(_("既読の最後のお知らせ"), default=0)
    digest = models.BooleanField(_("まとめメールを受け取る"), default=False)
    digest_sent_up_to = models.BigIntegerField(_("まとめメールに含めた最後のお知らせ"), default=0)

    class Meta:
        verbose_name = _("お知らせの既読状態")
        verbose_name_plural = _("お知らせの既読状態")

    def __str__(self) -> str:
        return f"inbox of user {self.user_id}"
