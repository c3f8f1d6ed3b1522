"""The task workers' heartbeats, what the daily jobs did (the desk's history page) and when the
administrators were last alerted."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per running task worker, written by the worker itself every few seconds.

    A worker that stops writing it is presumed dead: readiness goes red, and the tasks it held run
    again once its lease has passed (services.tasks_orphaned_requeue). A worker that exits cleanly
    deletes its row.
    """

    worker_id = models.CharField(_("ワーカーID"), max_length=64, unique=True)
    hostname = models.CharField(_("ホスト名"), max_length=255)
    pid = models.PositiveIntegerField(_("プロセスID"))
    queues = models.CharField(_("キュー"), max_length=255)
    started_at = models.DateTimeField(_("起動日時"))
    beat_at = models.DateTimeField(_("最終応答日時"), db_index=True)
    current_task_id = models.CharField(_("実行中のタスク"), max_length=64, null=True, blank=True)
    tasks_done = models.PositiveIntegerField(_("処理したタスク数"), default=0)

    class Meta:
        verbose_name = _("ワーカーの応答")
        verbose_name_plural = _("ワーカーの応答")

    def __str__(self) -> str:
        return self.worker_id


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
