"""System check of the mailbox settings: a wrong variable stops every command that runs the checks
(``manage.py check --deploy``, ``migrate``, ``run_mailbox``) with a line naming it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def mailbox_settings_check(**kwargs: Any) -> list[CheckMessage]:
    return [
        Error(problem, hint="docs/ops/mailbox.md: Settings", id="mailbox.E001")
        for problem in getattr(settings, "MAILBOX_SETTINGS_ERRORS", ())
    ]
