"""States of an application and the one table of allowed transitions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.transitions import ensure_transition as transition_check


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("受付済み")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("発注者確認中")
    CONFIRMED = "confirmed", _("確認済み")
    REGISTERED = "registered", _("登録済み")
    IN_SERVICE = "in_service", _("利用中")
    RETURNED = "returned", _("差戻し中")
    REJECTED = "rejected", _("却下")
    WITHDRAWN = "withdrawn", _("取下げ")


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset(
        {Status.AWAITING_CONFIRMATION, Status.RETURNED, Status.REJECTED, Status.WITHDRAWN}
    ),
    Status.AWAITING_CONFIRMATION: frozenset(
        {Status.CONFIRMED, Status.RETURNED, Status.REJECTED, Status.WITHDRAWN}
    ),
    Status.CONFIRMED: frozenset({Status.REGISTERED, Status.REJECTED, Status.WITHDRAWN}),
    Status.REGISTERED: frozenset({Status.IN_SERVICE}),
    Status.IN_SERVICE: frozenset(),
    # A returned application is corrected and resubmitted by the applicant.
    Status.RETURNED: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

# Applications still being processed (used by duplicate detection and the queue's default view).
OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.AWAITING_CONFIRMATION, Status.CONFIRMED, Status.RETURNED})
# Where an applicant is told their application stands (status lookup), step by step.
APPLICANT_STEPS: tuple[tuple[str, str], ...] = (
    (Status.SUBMITTED, str(_("受付"))),
    (Status.AWAITING_CONFIRMATION, str(_("発注者への内容確認"))),
    (Status.CONFIRMED, str(_("確認完了"))),
    (Status.REGISTERED, str(_("システム登録・ID通知"))),
    (Status.IN_SERVICE, str(_("利用開始"))),
)


def ensure_transition(current: str, target: str) -> None:
    transition_check(
        table=TRANSITIONS,
        choices=Status,
        current=current,
        target=target,
        message=_("「%(current)s」の申込を「%(target)s」にすることはできません。"),
    )
