"""What a refused triage action must leave as it was, and the desk's pages of one message."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from calsreg.mailbox.models import MailboxMessage
from tests.verification.helpers import state as verification_state


def state() -> dict[str, Any]:
    """Messages, applications, requests, replies, deliveries, audit rows, evidence, mails sent."""
    return {
        **verification_state(),
        "messages": list(
            MailboxMessage.objects.order_by("pk").values_list(
                "pk", "state", "result_type", "result_id", "handled_at", "handled_by_id"
            )
        ),
    }


def url(name: str, message: MailboxMessage) -> str:
    return reverse(f"desk:mailbox_{name}", args=[message.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]
