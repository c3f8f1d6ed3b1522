from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "calsreg.applications"
    label = "applications"
    verbose_name = _("利用申込")

    def ready(self) -> None:
        # The correction link's token is made at send time, never stored in clear.
        from calsreg.applications.services.decisions import correction_link_prepare
        from calsreg.notifications.rendering import register_prepare

        register_prepare(kind="application_returned", hook=correction_link_prepare)
