"""The per-state counters the desk reads instead of counting the applications table."""

from datetime import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from calsreg.applications.models import Application, ApplicationStatusChange, ApplicationStatusCount, Channel
from calsreg.applications.selectors import queue_status_counts
from calsreg.applications.services import (
    application_reject,
    application_return,
    application_submit,
    application_withdraw,
    submission_as_evidence,
)
from calsreg.applications.services.progress import application_confirm, application_confirmation_started
from calsreg.applications.services.status_counts import (
    status_counts_actual,
    status_counts_fold,
    status_counts_rebuild,
)
from calsreg.applications.validation import validate_application
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, UserFactory, valid_payload

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 6, 1, 10, 0))


def _submit(supervisor, number: int) -> Application:
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    raw["project_number"] = f"R8-新潟-土木-{number:04d}"
    data = validate_application(raw, require_directory_supervisors=True)
    return application_submit(
        data=data,
        channel=Channel.WEB,
        actor=Actor.applicant(raw["applicant_email"]),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
    )


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {status: n for status, n in counts.items() if n}


@time_machine.travel(NOW, tick=False)
def test_counters_follow_every_change_made_through_the_services_and_match_a_group_by():
    # given five applications submitted through the real intake service
    supervisor = SupervisorFactory()
    desk = Actor.staff(UserFactory())
    first, second, third, fourth, fifth = (_submit(supervisor, n) for n in range(1, 6))

    # when they move through the real services
    first = application_confirmation_started(application=first, actor=desk, at=NOW)
    application_confirm(application=first, actor=desk, at=NOW)
    application_reject(application=second, reason="監督員が否認", actor=desk)
    application_withdraw(application=third, actor=Actor.applicant("a@example.jp"))
    application_return(application=fourth, reason="工事番号を確認してください。", actor=desk)
    application_confirmation_started(application=fifth, actor=desk, at=NOW)

    # then the counters are what a GROUP BY over the table says
    assert _nonzero(queue_status_counts()) == {
        "confirmed": 1,
        "rejected": 1,
        "withdrawn": 1,
        "returned": 1,
        "awaiting_confirmation": 1,
    }
    assert queue_status_counts() == status_counts_actual()


@time_machine.travel(NOW, tick=False)
def test_a_rolled_back_change_leaves_the_counters_as_they_were():
    # given one submitted application
    supervisor = SupervisorFactory()
    application = _submit(supervisor, 1)
    before = queue_status_counts()

    # when its rejection is rolled back with the surrounding transaction
    with pytest.raises(RuntimeError), transaction.atomic():
        application_reject(application=application, reason="否認", actor=Actor.staff(UserFactory()))
        assert queue_status_counts()["rejected"] == 1
        raise RuntimeError("rolled back")

    # then neither the application nor a counter moved
    assert Application.objects.get().status == "submitted"
    assert queue_status_counts() == before == {**dict.fromkeys(before, 0), "submitted": 1}


@time_machine.travel(NOW, tick=False)
def test_deleting_an_application_takes_it_off_its_counter():
    supervisor = SupervisorFactory()
    application = _submit(supervisor, 1)

    Application.objects.get(pk=application.pk).delete()

    assert queue_status_counts()["submitted"] == 0 == status_counts_actual()["submitted"]


@time_machine.travel(NOW, tick=False)
def test_rebuild_recomputes_counters_after_rows_were_loaded_around_the_models():
    # given counters that disagree with the table (a bulk load bypasses the models)
    supervisor = SupervisorFactory()
    _submit(supervisor, 1)
    _submit(supervisor, 2)
    status_counts_fold()
    ApplicationStatusCount.objects.filter(status="submitted").update(count=7)
    with pytest.raises(CommandError):
        call_command("status_counts_rebuild", "--check", stdout=StringIO())

    # when they are rebuilt
    counts = status_counts_rebuild()

    # then they agree again, and the check says so
    assert _nonzero(counts) == {"submitted": 2} == _nonzero(queue_status_counts())
    out = StringIO()
    call_command("status_counts_rebuild", "--check", stdout=out)
    assert out.getvalue().strip() == "counters agree"


def test_the_counters_are_read_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        queue_status_counts()


@time_machine.travel(NOW, tick=False)
def test_a_change_appends_without_touching_the_counters_and_the_fold_adds_it_once():
    # given three submissions and a rejection through the services: five changes appended
    supervisor = SupervisorFactory()
    first, _second, _third = (_submit(supervisor, n) for n in range(1, 4))
    application_reject(application=first, reason="監督員が否認", actor=Actor.staff(UserFactory()))
    assert ApplicationStatusChange.objects.count() == 5
    assert not ApplicationStatusCount.objects.exists()  # nobody waited on a counter row
    before = queue_status_counts()

    # when the workers' maintenance folds them (twice, as two workers would)
    folded = status_counts_fold(), status_counts_fold()

    # then each change was added once, the changes are gone and the counts read the same
    assert folded == (5, 0)
    assert not ApplicationStatusChange.objects.exists()
    assert dict(ApplicationStatusCount.objects.values_list("status", "count")) == {
        "submitted": 2,
        "rejected": 1,
    }
    assert queue_status_counts() == before == status_counts_actual()


def test_the_fold_runs_in_every_workers_maintenance():
    from calsreg.jobs.registry import WORKER_MAINTENANCE

    assert (
        "status_counts_fold",
        "calsreg.applications.services.status_counts.status_counts_fold",
    ) in WORKER_MAINTENANCE
