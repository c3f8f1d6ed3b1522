"""Applications that never became a project, the command and its dry run, the daily job's place."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.utils.module_loading import import_string

from calsreg.applications.models import Application
from calsreg.applications.services import application_reject
from calsreg.jobs.registry import DAILY_JOBS
from calsreg.jobs.services import daily_jobs_run
from calsreg.lifecycle.redaction import ERASED
from calsreg.lifecycle.services import personal_data_purge_due
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from tests.desk.helpers import submit_application
from tests.lifecycle.helpers import (
    FIRST_DAY_PURGED,
    LAST_DAY_KEPT,
    OUTBOX_BACKEND,
    PERSONAL_VALUES,
    closed_project,
    on,
    where_found,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.EMAIL_BACKEND = OUTBOX_BACKEND


def _rejected_on(day: date) -> Application:
    with on(day, hour=10):
        application = submit_application()
        return application_reject(
            application=application,
            reason="発注者が心当たりがないと回答（田中 一郎 名義）",
            actor=Actor.system("desk"),
        )


def test_a_rejected_application_is_purged_the_retention_period_after_its_last_update():
    application = _rejected_on(date(2026, 11, 2))

    with on(date(2027, 11, 1)):  # 364 days later
        assert personal_data_purge_due() == 0
    assert Application.objects.get(pk=application.pk).applicant_name == "田中 一郎"

    with on(date(2027, 11, 2)):
        assert personal_data_purge_due() == 1

    application.refresh_from_db()
    assert (application.status, application.applicant_name, application.applicant_email) == (
        "rejected",
        ERASED,
        ERASED,
    )
    assert application.decision_reason == f"発注者が心当たりがないと回答（{ERASED} 名義）"
    assert application.project_name == "信濃川護岸設置工事"
    assert where_found(PERSONAL_VALUES) == []
    (evidence,) = Evidence.objects.all()
    assert evidence.purged_at is not None
    event = AuditEvent.objects.get(action="application.personal_data_purged")
    assert (event.subject_id, event.data["accounts"], event.data["evidence_files"]) == (application.pk, 0, 1)
    assert not AuditEvent.objects.filter(action="project.personal_data_purged").exists()


def test_an_application_still_being_processed_is_never_purged():
    with on(date(2026, 11, 2), hour=10):
        application = submit_application()

    with on(date(2029, 1, 5)):
        assert personal_data_purge_due() == 0

    assert Application.objects.get(pk=application.pk).applicant_name == "田中 一郎"


def test_dry_run_lists_what_would_be_purged_and_changes_nothing(capsys):
    life = closed_project()
    _rejected_on(date(2026, 11, 2))
    found = where_found(PERSONAL_VALUES)
    events = AuditEvent.objects.count()

    call_command("purge_personal_data", "--dry-run", "--date", FIRST_DAY_PURGED.isoformat())

    out = capsys.readouterr().out
    assert f"project #{life.project.pk} {life.project.project_number}" in out
    assert "closed 2027-03-20" in out and "accounts=2" in out and "evidence_files=5" in out
    assert "(rejected, last updated 2026-11-02)" in out
    assert "would purge=2 (as of 2028-03-19)" in out
    assert where_found(PERSONAL_VALUES) == found
    assert AuditEvent.objects.count() == events


def test_dry_run_before_the_retention_period_lists_nothing(capsys):
    closed_project()

    call_command("purge_personal_data", "--dry-run", "--date", LAST_DAY_KEPT.isoformat())

    assert "would purge=0" in capsys.readouterr().out


def test_the_command_purges(capsys):
    closed_project()

    call_command("purge_personal_data", "--date", FIRST_DAY_PURGED.isoformat())

    assert "purged=1" in capsys.readouterr().out
    assert where_found(PERSONAL_VALUES) == []


def test_projects_close_before_the_purge_runs_in_the_daily_jobs():
    names = [name for name, _path in DAILY_JOBS]

    # projects closed today are purged on their day; only the pruning of finished task rows follows
    assert names.index("close_ended_projects") < names.index("purge_personal_data") == len(names) - 2
    assert names[-1] == "prune_task_results"
    paths = dict(DAILY_JOBS)
    assert paths["purge_personal_data"] == "calsreg.lifecycle.services.personal_data_purge_due"
    assert callable(import_string(paths["purge_personal_data"]))
    assert callable(import_string(paths["close_ended_projects"]))


def test_the_purge_leaves_invoices_and_an_unpaid_one_is_never_listed_as_past_retention(capsys):
    life = closed_project()

    # issued 2026-12-01 (year ending 2027-03-31): its period would end 2034-05-31, but it is unpaid
    call_command("purge_personal_data", "--dry-run", "--date", "2034-06-01")
    assert "invoices past retention" not in capsys.readouterr().out

    with on(date(2034, 6, 1)):
        personal_data_purge_due()
    life.invoice.refresh_from_db()
    assert life.invoice.number and life.invoice.documents.count() == 1


def test_the_daily_run_purges_once_the_retention_period_is_over():
    closed_project()

    with on(FIRST_DAY_PURGED):
        first = {o.name: (o.handled, o.error) for o in daily_jobs_run()}
    with on(date(2028, 3, 20)):
        second = {o.name: (o.handled, o.error) for o in daily_jobs_run()}

    assert (first["purge_personal_data"], second["purge_personal_data"]) == ((1, ""), (0, ""))
    assert all(error == "" for _handled, error in first.values())
    assert where_found(PERSONAL_VALUES) == []
