"""What the daily jobs did (the desk's history page) and when the administrators were last alerted."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyJobRun(models.Model):
    """One run of the daily jobs. ``outcomes`` holds one entry per job, in order:
    ``{"name", "handled" (count or null), "error" (text, "" if none), "seconds"}``."""

    started_at = models.DateTimeField(_("開始日時"), db_index=True)
    finished_at = models.DateTimeField(_("終了日時"))
    duration_seconds = models.FloatField(_("所要時間（秒）"))
    outcomes = models.JSONField(_("各処理の結果"), default=list)
    ok = models.BooleanField(_("すべて成功"))

    class Meta:
        verbose_name = _("日次処理の実行")
        verbose_name_plural = _("日次処理の実行")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'failed'}"


class AlertCondition(models.TextChoices):
    DAILY_JOB_FAILED = "daily_job_failed", _("日次処理の失敗")
    WORKER_SILENT = "worker_silent", _("バックグラウンド処理の停止")


class AdminAlert(models.Model):
    """One row per condition: when its alert mail last went out (at most one per repeat period)."""

    condition = models.CharField(_("状況"), max_length=32, choices=AlertCondition.choices, unique=True)
    last_sent_at = models.DateTimeField(_("最後に通知した日時"))
    sent_count = models.PositiveIntegerField(_("通知した回数"), default=0)

    class Meta:
        verbose_name = _("管理者への通知")
        verbose_name_plural = _("管理者への通知")

    def __str__(self) -> str:
        return f"{self.condition} {self.last_sent_at:%Y-%m-%d %H:%M}"
