from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "calsreg.applications"
    label = "applications"
    verbose_name = _("利用申込")
