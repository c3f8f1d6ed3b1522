from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "calsreg.events"
    label = "events"
    verbose_name = _("連携イベント")
