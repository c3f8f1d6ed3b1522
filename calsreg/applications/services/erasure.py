"""Erasing the personal data on an application at the end of its retention period (the ``lifecycle``
purge, which passes the scrubber that knows the values to find).

The applicant's name and contact, the company representative and the users asked for are erased;
the company, the project data and the billing address stay (the invoices, kept for years,
reproduce them — docs/retention.md). No audit row of its own: the purge records one for everything
it erased, with counts only, so the values do not reappear in the record of their erasure.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from calsreg.applications.models import Application
from calsreg.core.redaction import Scrubber, anonymous_requested_part, erased

APPLICATION_PERSONAL_FIELDS = (
    "applicant_name",
    "applicant_kana",
    "applicant_email",
    "applicant_phone",
    "contractor_representative",
)
APPLICATION_USER_FIELDS = ("name", "kana", "email", "phone")


@transaction.atomic
def application_personal_data_erase(*, application: Application, scrub: Scrubber, now: datetime) -> int:
    """Erase the application's people (applicant, representative, users asked for) and scrub its
    free text; mark it purged at ``now``. Returns how many rows changed (the application and its users)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    for name in APPLICATION_PERSONAL_FIELDS:
        setattr(application, name, erased(getattr(application, name)))
    application.decision_reason = scrub.text(application.decision_reason)
    application.notices = scrub.json(application.notices)
    application.personal_data_purged_at = now
    application.save(
        update_fields=[
            *APPLICATION_PERSONAL_FIELDS,
            "decision_reason",
            "notices",
            "personal_data_purged_at",
            "updated_at",
        ]
    )
    users = list(application.users.order_by("position"))
    for user in users:
        for name in APPLICATION_USER_FIELDS:
            setattr(user, name, erased(getattr(user, name)))
        user.requested_id = anonymous_requested_part(user.pk)
        user.save(update_fields=[*APPLICATION_USER_FIELDS, "requested_id"])
    return 1 + len(users)
