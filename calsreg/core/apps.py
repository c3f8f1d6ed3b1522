from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "calsreg.core"
    label = "core"
    verbose_name = _("共通")

    def ready(self) -> None:
        from django_tasks.signals import task_finished, task_started

        from calsreg.core import checks  # noqa: F401 (registers the deployment checks)
        from calsreg.core.logs import task_finished_handler, task_started_handler

        task_started.connect(task_started_handler, dispatch_uid="calsreg.core.logs.task_started")
        task_finished.connect(task_finished_handler, dispatch_uid="calsreg.core.logs.task_finished")
