from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """The daily jobs (sweeps) run by the task worker on a schedule; it calls into the domain apps."""

    name = "calsreg.jobs"
    label = "jobs"
    verbose_name = _("定期処理")
