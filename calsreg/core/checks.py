"""System checks of the deployment (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

OUTBOX_BACKEND = "calsreg.notifications.outbox.OutboxEmailBackend"


@register(Tags.security, deploy=True)
def secret_key_check(**kwargs: Any) -> list[CheckMessage]:
    """A key anybody can read in the repository lets anybody forge sessions and reset links."""
    if settings.SECRET_KEY in settings.KNOWN_INSECURE_SECRET_KEYS:
        return [
            Error(
                "SECRET_KEY is the development key from the repository.",
                hint="Set CALSREG_SECRET_KEY to a long random value of your own (README: Settings).",
                id="calsreg.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def mail_backend_check(**kwargs: Any) -> list[CheckMessage]:
    """The demo outbox keeps mail for the desk to read and sends nothing."""
    if settings.EMAIL_BACKEND == OUTBOX_BACKEND:
        return [
            Warning(
                "Mail goes to the demo outbox: nothing is sent to anyone.",
                hint="Set CALSREG_EMAIL_BACKEND=smtp and the CALSREG_EMAIL_* variables.",
                id="calsreg.W001",
            )
        ]
    return []
