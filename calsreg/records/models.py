"""Evidence (originals kept unaltered with a checksum) and the audit log.

``records`` imports no other app: the subject of a record is named by a label (``"application"``)
and a primary key, so any domain app can attach evidence or audit events without a dependency cycle.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from calsreg.core.templatetags.jdate import jdate


class EvidenceKind(models.TextChoices):
    APPLICATION_WORKBOOK = "application_workbook", _("利用申込書（Excel）")
    APPLICATION_WEB = "application_web", _("利用申込書（Web入力）")
    APPLICATION_API = "application_api", _("利用申込書（API）")
    RECEIVED_MAIL = "received_mail", _("受信メール")
    SUPERVISOR_REPLY = "supervisor_reply", _("監督員の回答")
    CALL_RECORD = "call_record", _("通話記録")
    CHANGE_FORM = "change_form", _("変更申込書")
    OTHER = "other", _("その他")


class Evidence(models.Model):
    """One original file, stored once and never overwritten; verified against ``sha256``."""

    # Which checksum field verifies which file field (records.kept_files).
    KEPT_FILE_CHECKSUMS: ClassVar[dict[str, str]] = {"file": "sha256"}

    kind = models.CharField(_("種別"), max_length=32, choices=EvidenceKind.choices)
    subject_type = models.CharField(_("対象の種類"), max_length=40)
    subject_id = models.BigIntegerField(_("対象ID"))
    file = models.FileField(_("ファイル"), upload_to="evidence/%Y/%m/", max_length=255)
    original_name = models.CharField(_("元のファイル名"), max_length=255)
    content_type = models.CharField(_("MIMEタイプ"), max_length=120)
    size_bytes = models.PositiveBigIntegerField(_("サイズ（バイト）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    received_at = models.DateTimeField(_("受領日時"))
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("備考"), max_length=255, blank=True)
    # Set when the retention period passed and the file (it held personal data) was deleted; the row
    # and its checksum stay as the record that the original existed (calsreg.lifecycle).
    purged_at = models.DateTimeField(_("ファイル消去日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("証跡ファイル")
        verbose_name_plural = _("証跡ファイル")
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidence_sha256_hex"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"


class ActorType(models.TextChoices):
    STAFF = "staff", _("職員")
    APPLICANT = "applicant", _("申込者")
    SUPERVISOR = "supervisor", _("監督員")
    ACCOUNT = "account", _("アカウント利用者")
    SYSTEM = "system", _("システム")
    API = "api", _("API")


class AuditEvent(models.Model):
    """Append-only record of a state change or of a staff view of personal data."""

    at = models.DateTimeField(_("日時"), db_index=True)
    actor_type = models.CharField(_("実施者の種類"), max_length=16, choices=ActorType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("実施者"), max_length=200)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    subject_type = models.CharField(_("対象の種類"), max_length=40)
    subject_id = models.BigIntegerField(_("対象ID"))
    # The summary is stored untranslated (a Japanese msgid) with its parameters, and translated when
    # shown, so the log reads in the viewer's language whatever language the actor used.
    summary = models.CharField(_("概要"), max_length=300, blank=True)
    summary_params = models.JSONField(_("概要の差し込み値"), default=dict, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("監査記録")
        verbose_name_plural = _("監査記録")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject_type}#{self.subject_id}"

    @property
    def summary_display(self) -> str:
        """The summary in the current language (falls back to the action name)."""
        if not self.summary:
            return self.action
        text = gettext(self.summary)
        if not self.summary_params:
            return text
        return text % {key: _date_shown(value) for key, value in self.summary_params.items()}


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_shown(value: object) -> object:
    """A day stored as ``2027-02-01`` in a summary's parameters is shown as the pages show days
    (2027年2月1日), like every other date on the desk."""
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return jdate(date.fromisoformat(value))
    return value
