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
