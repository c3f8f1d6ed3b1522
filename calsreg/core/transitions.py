"""The one check behind every aggregate's transition table (application, project, account, invoice,
delivery): each keeps its own table and wording; the refusal is raised the same way everywhere."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils.functional import Promise

from calsreg.core.errors import InvalidTransition


def ensure_transition(
    *,
    table: Mapping[str, frozenset[str]],
    choices: type[models.TextChoices],
    current: str,
    target: str,
    message: str | Promise,
) -> None:
    """Raise ``InvalidTransition`` unless ``table`` allows ``current`` → ``target``.

    ``message`` has ``%(current)s`` and ``%(target)s`` placeholders, filled with the states' labels.
    """
    if target not in table.get(current, frozenset()):
        raise InvalidTransition(
            str(message) % {"current": choices(current).label, "target": choices(target).label},
            current=current,
            target=target,
        )
