"""Shape the confirmation panel of an application for the desk's template.

Which buttons show is asked of the state tables (``verification.selectors.confirmation_actions`` for
the application, ``PROJECT_TRANSITIONS`` for its project): the template holds no rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from calsreg.accounts.models import PROJECT_TRANSITIONS, Project, ProjectStatus
from calsreg.applications.states import Status
from calsreg.core import clock
from calsreg.verification.models import Answer, CallOutcome, ConfirmationRequest, ReplyChannel
from calsreg.verification.selectors import ConfirmationOverview, confirmation_overview


@dataclass(frozen=True)
class RequestRow:
    request: ConfirmationRequest
    state: str
    css: str
    overdue: bool
    answerable: bool  # the desk may record a reply mail for it


@dataclass(frozen=True)
class VerificationPanel:
    overview: ConfirmationOverview
    rows: list[RequestRow]
    project: Project | None
    can_start_use: bool
    # The ids of the open requests the operator sees, echoed by the send form (see ConfirmationSendForm).
    open_ids: str
    answers: list[tuple[str, Any]]
    call_outcomes: list[tuple[str, Any]]

    @property
    def application(self):
        return self.overview.application

    @property
    def actions(self):
        return self.overview.actions


def _row(request: ConfirmationRequest, *, awaiting: bool, today: date) -> RequestRow:
    overdue = False
    if request.sender_mismatch:
        state, css = _("名簿と異なる差出人からの返信（回答には数えません）"), "warn"
    elif request.answered_at is not None:
        channel = _("リンク") if request.answer_channel == ReplyChannel.LINK else _("返信メール")
        state = _("回答あり: %(answer)s（%(channel)s）") % {
            "answer": request.get_answer_display(),
            "channel": channel,
        }
        css = "rejected" if request.answer == "denied" else "confirmed"
    elif request.superseded_at is not None:
        state, css = _("再送により無効"), "withdrawn"
    elif not awaiting:
        state, css = _("未回答（申込は確認待ちではありません）"), "withdrawn"
    else:
        overdue = request.due_back_on < today
        state = _("未回答（回答期限を過ぎています）") if overdue else _("未回答")
        css = "warn" if overdue else "awaiting_confirmation"
    return RequestRow(
        request=request, state=state, css=css, overdue=overdue, answerable=awaiting and request.is_open
    )


def verification_panel(*, application_id: int) -> VerificationPanel:
    """The panel's content in a fixed number of queries; raises Application.DoesNotExist."""
    overview = confirmation_overview(application_id=application_id)
    application = overview.application
    awaiting = application.status == Status.AWAITING_CONFIRMATION
    project = None
    if application.status in (Status.REGISTERED, Status.IN_SERVICE):
        project = Project.objects.filter(application=application).first()
    can_start_use = (
        overview.actions.start_use
        and project is not None
        and project.started_at is None
        and ProjectStatus.ACTIVE in PROJECT_TRANSITIONS.get(project.status, frozenset())
    )
    today = clock.today()
    return VerificationPanel(
        overview=overview,
        rows=[_row(request, awaiting=awaiting, today=today) for request in overview.requests],
        project=project,
        can_start_use=can_start_use,
        open_ids=",".join(str(request.pk) for request in overview.open_requests),
        answers=list(Answer.choices),
        call_outcomes=list(CallOutcome.choices),
    )
