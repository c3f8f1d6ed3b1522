"""Erasing the personal data of an application's orderer confirmation at the end of its retention
period (the ``lifecycle`` purge, which passes the scrubber that knows the values to find).

The supervisors are directory people and their directory addresses stay; a reply's sender (which
may be anyone's address) and the free text that may quote the applicant go. No audit row of its
own: the purge records one for everything it erased, with counts only.
"""

from __future__ import annotations

from django.db import transaction

from calsreg.applications.models import Application
from calsreg.core.redaction import Scrubber, erased, save_changed
from calsreg.verification.models import ConfirmationRequest, PhoneCall, UnlistedSenderReply


@transaction.atomic
def confirmations_personal_data_erase(*, application: Application, scrub: Scrubber) -> int:
    """Scrub the application's confirmation requests, replies from other senders and calls; return
    how many rows changed."""
    changed = 0
    requests = ConfirmationRequest.objects.select_for_update().filter(application=application).order_by("pk")
    for request in requests:
        changed += save_changed(
            request, {"reply_from": erased(request.reply_from), "reason": scrub.text(request.reason)}
        )
    unlisted = UnlistedSenderReply.objects.select_for_update().filter(request__application=application)
    for reply in unlisted.order_by("pk"):
        # Not the directory's address: whoever sent it, it is erased like any person's value.
        changed += save_changed(
            reply,
            {
                "sender": erased(reply.sender),
                "reason": scrub.text(reply.reason),
                "message_id": erased(reply.message_id),
            },
        )
    for call in PhoneCall.objects.select_for_update().filter(application=application).order_by("pk"):
        changed += save_changed(call, {"note": scrub.text(call.note)})
    return changed
