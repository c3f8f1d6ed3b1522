from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "calsreg.records"
    label = "records"
    verbose_name = _("証跡・監査")
