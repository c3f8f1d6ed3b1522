"""What processing one message came to: written onto the ``MailboxMessage`` row by ``processing``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from calsreg.mailbox.models import MessageState


@dataclass
class Outcome:
    state: str
    kind: str
    reason: str
    triage_reason: str = ""
    recognised: dict[str, Any] = field(default_factory=dict)
    result: models.Model | None = None


def processed(*, kind: str, reason: str, result: models.Model, **recognised: Any) -> Outcome:
    """Something was recorded (``result``): an application, a reply, a change request, a bounce."""
    return Outcome(
        state=MessageState.PROCESSED, kind=kind, reason=reason, recognised=recognised, result=result
    )


def triage(*, kind: str, why: str, reason: str, **recognised: Any) -> Outcome:
    """Left for the desk, with the reason code (``TriageReason``) and the reason in words."""
    return Outcome(
        state=MessageState.TRIAGE, kind=kind, reason=reason, triage_reason=why, recognised=recognised
    )
