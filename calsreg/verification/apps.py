from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "calsreg.verification"
    label = "verification"
    verbose_name = _("内容確認")

    def ready(self) -> None:
        # The supervisor's link token is made when its mail is sent and only its hash is stored
        # (security invariant 3); web processes and task workers alike need the hook.
        from calsreg.notifications.rendering import register_prepare
        from calsreg.verification.services import REMINDER_KIND, REQUEST_KIND, confirmation_link_prepare

        register_prepare(kind=REQUEST_KIND, hook=confirmation_link_prepare)
        register_prepare(kind=REMINDER_KIND, hook=confirmation_link_prepare)
