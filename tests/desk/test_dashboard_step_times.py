"""The lead times read stored step durations: a fixed scenario driven through the real services gives
the figures written out below, the stored rows equal the business time between the timestamps
(after a return and a resubmission too), a rebuild writes the same rows, and the dashboard's number
of queries does not depend on the amount of data for any role."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.applications.models import APPLICATION_STEP_SPANS, Application, ApplicationStepTime, Channel
from calsreg.applications.services import (
    application_confirm,
    application_confirmation_started,
    application_in_service,
    application_registered,
    application_resubmit,
    application_return,
    application_submit,
    submission_as_evidence,
)
from calsreg.applications.states import Status
from calsreg.applications.validation import validate_application
from calsreg.changes.models import ChangeRequestStepTime
from calsreg.core.business_hours import business_time_between
from calsreg.desk.dashboard.rebuild import lead_times_rebuild
from calsreg.desk.dashboard.selectors import (
    LEAD_TIME_CACHE_SECONDS,
    application_lead_times,
    applications_per_week,
)
from calsreg.records.services import Actor
from tests.desk.work_helpers import application, change_request, invoice, jst, project
from tests.factories import SupervisorFactory, UserFactory, valid_payload

pytestmark = pytest.mark.django_db

NOW = jst("2026-11-24", 15)  # a Tuesday
DESK_HOURS_US = 3_600_000_000


def _at(moment):
    return time_machine.travel(moment, tick=False)


def _submit(raw, *, at):
    with _at(at):
        data = validate_application(raw, require_directory_supervisors=True)
        return application_submit(
            data=data,
            channel=Channel.WEB,
            actor=Actor.applicant(raw["applicant_email"]),
            originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
        )


def _confirm(case, *, at):
    desk = Actor.staff(UserFactory())
    with _at(at):
        case = application_confirmation_started(application=case, actor=desk, at=at)
        return application_confirm(application=case, actor=desk, at=at)


def _resubmitted(raw, case, *, returned_at, at):
    """Returned for correction, then corrected by the applicant through the link in the mail."""
    from django.core import mail

    from calsreg.notifications.services import deliveries_send_due

    with _at(returned_at):
        application_return(
            application=case, reason="工事番号が契約書と異なります。", actor=Actor.staff(UserFactory())
        )
        deliveries_send_due()
    body = [m for m in mail.outbox if "訂正" in m.subject][-1].body
    token = re.search(r"/apply/correct/([A-Za-z0-9_-]+)/", body).group(1)
    corrected = dict(raw, project_number="R8-新潟-土木-0999")
    with _at(at):
        return application_resubmit(
            token=token,
            data=validate_application(corrected, require_directory_supervisors=True),
            originals=[submission_as_evidence(raw=corrected, channel="web")],
            actor=Actor.applicant(raw["applicant_email"]),
        )


def _scenario():
    """Three applications through the services (desk hours 9–17, lunch 12–13, Monday 11/16):

    - A: received Mon 9:00, confirmed Mon 11:00 (2 h), registered Tue 10:00 (6 h), in service
      Wed 10:00 (7 h = 1 business day); the whole 15 h;
    - B: received Mon 10:00, returned Mon 14:00, corrected Tue 9:00, confirmed Tue 15:00: 5 h from
      the corrected application's receipt (not 11 h from the first one);
    - C: received Mon 13:00, confirmed Thu 13:00 (4 + 7 + 7 + 3 = 21 h = 3 business days).
    """
    supervisor = SupervisorFactory()
    raws = [
        valid_payload(
            office=supervisor.office, supervisors=[supervisor], project_number=f"R8-新潟-土木-{i:04d}"
        )
        for i in (1, 2, 3)
    ]
    a = _submit(raws[0], at=jst("2026-11-16", 9))
    b = _submit(raws[1], at=jst("2026-11-16", 10))
    c = _submit(raws[2], at=jst("2026-11-16", 13))
    a = _confirm(a, at=jst("2026-11-16", 11))
    desk = Actor.staff(UserFactory())
    with _at(jst("2026-11-17", 10)):
        a = application_registered(
            application=a, project_id=1, issued_accounts=[], actor=desk, at=jst("2026-11-17", 10)
        )
    with _at(jst("2026-11-18", 10)):
        a = application_in_service(application=a, project_id=1, actor=desk, at=jst("2026-11-18", 10))
    b = _resubmitted(raws[1], b, returned_at=jst("2026-11-16", 14), at=jst("2026-11-17", 9))
    b = _confirm(b, at=jst("2026-11-17", 15))
    c = _confirm(c, at=jst("2026-11-19", 13))
    return a, b, c


def _figures():
    return {
        lead.key: (lead.count, lead.median_hours, lead.p90_hours) for lead in application_lead_times(now=NOW)
    }


def test_lead_times_of_a_scenario_through_the_services():
    _scenario()

    assert _figures() == {
        "received_confirmed": (3, 5.0, 21.0),
        "confirmed_registered": (1, 6.0, 6.0),
        "registered_in_service": (1, 7.0, 7.0),
        "received_in_service": (1, 15.0, 15.0),
    }


def test_weekly_counts_of_a_scenario_through_the_services():
    _scenario()

    weekly = applications_per_week(today=NOW.date())

    monday = jst("2026-11-16").date()
    assert weekly.counts[monday] == {Status.IN_SERVICE: 1, Status.CONFIRMED: 2}
    assert sum(weekly.total(week) for week in weekly.weeks) == 3


def test_a_returned_and_resubmitted_application_counts_from_its_corrected_receipt():
    _a, b, _c = _scenario()

    row = ApplicationStepTime.objects.get(application=b)

    assert (row.step, row.ended_at, row.business_us) == (
        "received_confirmed",
        jst("2026-11-17", 15),
        5 * DESK_HOURS_US,
    )
    b.refresh_from_db()
    assert b.submitted_at == jst("2026-11-17", 9)


def test_stored_step_times_equal_the_business_time_between_the_timestamps():
    _scenario()

    expected = set()
    for case in Application.objects.all():
        for key, start, end in APPLICATION_STEP_SPANS:
            started, ended = getattr(case, start), getattr(case, end)
            if started is not None and ended is not None:
                duration = business_time_between(started, ended) // dt.timedelta(microseconds=1)
                expected.add((case.pk, key, ended, duration))
    stored = set(ApplicationStepTime.objects.values_list("application_id", "step", "ended_at", "business_us"))

    assert stored == expected
    assert len(stored) == 6  # A: four steps, B and C: one each


def test_the_rebuild_writes_the_same_rows_as_the_services():
    application(
        status=Status.REGISTERED,
        submitted_at=jst("2026-11-16", 9),
        confirmed_at=jst("2026-11-16", 16),
        registered_at=jst("2026-11-18", 9),
    )
    owner = project()
    change_request(
        project=owner,
        status="applied",
        submitted_at=jst("2026-11-16", 9),
        verified_at=jst("2026-11-16", 12),
        applied_at=jst("2026-11-17", 10),
    )
    columns = ("step", "ended_at", "business_us")
    before = (
        sorted(ApplicationStepTime.objects.values_list("application_id", *columns)),
        sorted(ChangeRequestStepTime.objects.values_list("change_request_id", *columns)),
    )

    written = lead_times_rebuild()

    after = (
        sorted(ApplicationStepTime.objects.values_list("application_id", *columns)),
        sorted(ChangeRequestStepTime.objects.values_list("change_request_id", *columns)),
    )
    assert after == before
    assert written == {"applications": len(before[0]), "change_requests": 3}
    assert [row[1:] for row in after[0] if row[2] < jst("2026-11-19", 0)] == [
        ("confirmed_registered", jst("2026-11-18", 9), 8 * DESK_HOURS_US),
        ("received_confirmed", jst("2026-11-16", 16), 6 * DESK_HOURS_US),
    ]
    assert [row[1:] for row in after[1]] == [
        ("received_applied", jst("2026-11-17", 10), 8 * DESK_HOURS_US),
        ("received_verified", jst("2026-11-16", 12), 3 * DESK_HOURS_US),
        ("verified_applied", jst("2026-11-17", 10), 5 * DESK_HOURS_US),
    ]


def _grow(n: int) -> None:
    for i in range(n):
        day = f"2026-11-{9 + i % 10:02d}"
        application(
            status=Status.IN_SERVICE,
            submitted_at=jst(day, 9),
            confirmed_at=jst(day, 11),
            registered_at=jst(day, 13),
            in_service_at=jst(day, 15),
        )
        if i % 3 == 0:
            change_request(
                project=project(),
                status="applied",
                submitted_at=jst(day, 9),
                verified_at=jst(day, 12),
                applied_at=jst(day, 14),
            )
            invoice(total=1_000, due_on=NOW.date())


# session, user, then per role: counts, weeks, two lead-time windows (desk), receivables (billing),
# and the navigation's badges (failed mail for desk staff, unread notices)
@pytest.mark.parametrize(
    ("role", "queries"), [(Role.ADMINISTRATOR, 10), (Role.HELP_DESK, 9), (Role.BILLING_AGENT, 4)]
)
@pytest.mark.parametrize("n", [3, 30])
def test_the_dashboard_costs_the_same_queries_for_3_or_30_applications_for_each_role(
    client, django_assert_num_queries, role, queries, n
):
    _grow(n)
    client.force_login(UserFactory(role=role))

    with _at(NOW), django_assert_num_queries(queries):
        response = client.get(reverse("desk:dashboard"))

    assert response.status_code == 200


def test_the_lead_times_are_kept_for_five_minutes_then_computed_afresh():
    _scenario()
    before = _figures()["received_confirmed"]
    supervisor = SupervisorFactory()
    raw = valid_payload(
        office=supervisor.office, supervisors=[supervisor], project_number="R8-新潟-土木-0004"
    )
    _confirm(_submit(raw, at=jst("2026-11-20", 9)), at=jst("2026-11-20", 10))

    # the same five minutes: the figures computed a moment ago, without the fourth step
    assert _figures()["received_confirmed"] == before == (3, 5.0, 21.0)
    # five minutes later the window moved on and the new step is counted
    later = {
        lead.key: lead.count
        for lead in application_lead_times(now=NOW + dt.timedelta(seconds=LEAD_TIME_CACHE_SECONDS))
    }
    assert later["received_confirmed"] == 4
