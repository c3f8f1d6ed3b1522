from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailboxConfig(AppConfig):
    """The help desk's mailboxes read by the system (issue 14): each message kept as evidence, then
    classified and handed to the one domain service of its kind, or left on the desk's triage list."""

    name = "calsreg.mailbox"
    label = "mailbox"
    verbose_name = _("受信メール")

    def ready(self) -> None:
        from calsreg.mailbox import checks  # noqa: F401 (registers the settings check)
