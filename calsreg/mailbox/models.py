"""One received message of a help-desk mailbox, kept unaltered, and what was done with it.

A message is recorded in two steps, each its own transaction: first kept (``RECEIVED``: the raw bytes
as evidence with their SHA-256, keyed by mailbox + UIDVALIDITY + UID and by Message-ID), then
processed (one domain call, or the triage list). It is moved to the server's "processed" folder only
after the processing committed (``moved_at``); a crash between any two steps is repaired by the next
pass, which finds the row and carries on from its state — never a second application or reply.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel


class MessageState(models.TextChoices):
    RECEIVED = "received", _("受信済み（未処理）")
    PROCESSED = "processed", _("処理済み")
    TRIAGE = "triage", _("要確認")
    HANDLED = "handled", _("対応済み")
    DUPLICATE = "duplicate", _("受信済みの重複")


class MessageKind(models.TextChoices):
    """What the message was recognised as (``UNKNOWN`` until processed)."""

    UNKNOWN = "unknown", _("未分類")
    APPLICATION = "application", _("利用申込書")
    CHANGE_FORM = "change_form", _("変更申込書")
    SUPERVISOR_REPLY = "supervisor_reply", _("監督員の返信")
    BOUNCE = "bounce", _("配信不能の通知")
    AUTO_REPLY = "auto_reply", _("自動応答")
    OTHER = "other", _("その他のメール")


class TriageReason(models.TextChoices):
    """Why a message waits on the desk's triage list (state ``TRIAGE``); ``reason`` says it in words."""

    QUESTION = "question", _("申込書・変更申込書の添付がないメール")
    AUTO_REPLY = "auto_reply", _("自動応答（不在通知など）")
    BOUNCE_UNMATCHED = "bounce_unmatched", _("送信元の分からない配信不能の通知")
    SEVERAL_WORKBOOKS = "several_workbooks", _("Excelファイルが複数添付されている")
    UNREADABLE = "unreadable", _("読み取れない添付ファイル・メール")
    WORKBOOK_REFUSED = "workbook_refused", _("不備のある申込書・変更申込書")
    REPLY_UNCLEAR = "reply_unclear", _("回答の読み取れない監督員の返信")
    REPLY_NOT_OPEN = "reply_not_open", _("回答済み・無効の確認依頼への返信")
    TOO_LARGE = "too_large", _("大きすぎるメール")
    PROCESSING_FAILED = "processing_failed", _("処理中のエラー")


class MailboxMessage(TimeStampedModel):
    """One message as fetched from one mailbox (``MAILBOXES`` names them)."""

    mailbox = models.CharField(_("受信箱"), max_length=64)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"))
    uid = models.BigIntegerField(_("UID"))
    # Without angle brackets' surroundings trimmed: exactly as written, for matching a second copy.
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True, db_index=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    # The raw message as received (records.Evidence, kind RECEIVED_MAIL, subject = this row).
    evidence = models.ForeignKey("records.Evidence", on_delete=models.PROTECT, related_name="+")
    size_bytes = models.PositiveBigIntegerField(_("サイズ（バイト）"))
    # The server's INTERNALDATE (when the mailbox got it); the Date header can be anything.
    arrived_at = models.DateTimeField(_("受信日時"))
    from_address = models.CharField(_("差出人"), max_length=300, blank=True)
    subject_line = models.CharField(_("件名"), max_length=300, blank=True)

    state = models.CharField(
        _("状態"), max_length=16, choices=MessageState.choices, default=MessageState.RECEIVED
    )
    kind = models.CharField(
        _("種類"), max_length=20, choices=MessageKind.choices, default=MessageKind.UNKNOWN
    )
    triage_reason = models.CharField(
        _("要確認の理由"), max_length=24, choices=TriageReason.choices, blank=True
    )
    # Why it is on the triage list (or what was done), for people: shown at the desk as written.
    reason = models.TextField(_("理由"), blank=True)
    # What was recognised, for the desk: e.g. {"receipt_number": …, "answer": …, "attachments": […]}.
    recognised = models.JSONField(_("読み取った内容"), default=dict, blank=True)
    # What the processing produced, when it produced something (a generic pair like Delivery's).
    result_type = models.CharField(_("結果の種類"), max_length=40, blank=True)
    result_id = models.BigIntegerField(_("結果のID"), null=True, blank=True)
    processed_at = models.DateTimeField(_("処理日時"), null=True, blank=True)
    # Processing that failed for a reason that may pass (database down…): tried again by the next pass.
    attempts = models.PositiveSmallIntegerField(_("処理の試行回数"), default=0)
    last_error = models.TextField(_("最後のエラー"), blank=True)
    # Moved to the processed folder on the server (after the processing committed).
    moved_at = models.DateTimeField(_("処理済みフォルダへの移動日時"), null=True, blank=True)
    handled_at = models.DateTimeField(_("対応日時"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("受信メール")
        verbose_name_plural = _("受信メール")
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], name="mailbox_message_server_key_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=MessageState.values), name="mailbox_message_state_valid"
            ),
        ]
        indexes = [
            # The desk's triage list, newest first, read by key.
            models.Index(
                models.F("arrived_at").desc(),
                models.F("id").desc(),
                name="mailbox_triage_idx",
                condition=models.Q(state="triage"),
            ),
            # The desk's log of every received message, newest first, read by key.
            models.Index(models.F("arrived_at").desc(), models.F("id").desc(), name="mailbox_arrived_idx"),
            # What the next pass must finish: processing not done, or not yet moved.
            models.Index(fields=["mailbox", "state", "moved_at"], name="mailbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox}#{self.uidvalidity}/{self.uid} {self.subject_line}"


class ReaderHeartbeat(models.Model):
    """One row per running mailbox reader (``manage.py run_mailbox``), written after every pass and
    while it waits for mail; removed when it stops cleanly. Readiness is red for a configured mailbox
    whose readers all went silent (``calsreg.mailbox.health``)."""

    reader_id = models.CharField(_("読み取りプロセスID"), max_length=100, unique=True)
    mailbox = models.CharField(_("受信箱"), max_length=64, db_index=True)
    started_at = models.DateTimeField(_("起動日時"))
    beat_at = models.DateTimeField(_("最終応答日時"))
    last_pass_at = models.DateTimeField(_("最後に読み終えた日時"), null=True, blank=True)
    # The last pass's failure (a refused login, the server unreachable), never a password; "" when it went well.
    last_error = models.CharField(_("最後のエラー"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("受信箱の読み取り状況")
        verbose_name_plural = _("受信箱の読み取り状況")

    def __str__(self) -> str:
        return self.reader_id
