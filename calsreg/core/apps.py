from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "calsreg.core"
    label = "core"
    verbose_name = _("共通")

    def ready(self) -> None:
        from calsreg.core import checks  # noqa: F401 (registers the deployment checks)
