from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for `make demo`: wires every app together, so it sits above the interfaces."""

    name = "calsreg.demo"
    label = "demo"
    verbose_name = _("デモデータ")
