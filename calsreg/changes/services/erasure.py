"""Erasing the personal data of a project's change requests at the end of its retention period (the
``lifecycle`` purge, which passes the scrubber that knows the values to find).

The requester's name and contacts, the values of items about people, the call-backs' names, numbers
and notes are erased; the requests, their items and calls stay with their times and states, so the
records still show what happened. No audit row of its own: the purge records one for everything it
erased, with counts only.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from calsreg.accounts.models import Project
from calsreg.changes.catalog import item_is_personal
from calsreg.changes.models import CallBack, ChangeItem, ChangeRequest
from calsreg.core.redaction import Scrubber, erase_all, erased, save_changed

_REQUEST_FIELDS = [
    "requester_name",
    "requester_phone",
    "requester_email",
    "reason",
    "decision_note",
    "notices",
    "personal_data_purged_at",
    "updated_at",
]
_CALL_FIELDS = ["contact", "contact_name", "phone_number", "note"]


@transaction.atomic
def change_requests_personal_data_erase(*, project: Project, scrub: Scrubber, now: datetime) -> int:
    """Erase the people's values from every change request of ``project``, its items and call-backs;
    mark the requests purged at ``now``. Returns how many requests there were."""
    requests = list(ChangeRequest.objects.select_for_update().filter(project=project).order_by("pk"))
    for request in requests:
        request.requester_name = erased(request.requester_name)
        request.requester_phone = erased(request.requester_phone)
        request.requester_email = erased(request.requester_email)
        request.reason = scrub.text(request.reason)
        request.decision_note = scrub.text(request.decision_note)
        request.notices = scrub.json(request.notices)
        request.personal_data_purged_at = now
        request.save(update_fields=_REQUEST_FIELDS)
    for item in ChangeItem.objects.filter(request__in=requests).order_by("pk"):
        values = erase_all if item_is_personal(item.kind, item.field) else scrub.json
        save_changed(
            item,
            {
                "before": values(item.before),
                "after": values(item.after),
                "target": scrub.text(item.target),
                "outcome": scrub.text(item.outcome),
            },
        )
    for call in CallBack.objects.filter(request__in=requests).order_by("pk"):
        call.contact = scrub.text(call.contact)
        call.contact_name = erased(call.contact_name)
        call.phone_number = erased(call.phone_number)
        call.note = erased(call.note)
        call.save(update_fields=_CALL_FIELDS)
    return len(requests)
