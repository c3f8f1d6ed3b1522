"""project_end_schedule / project_close / projects_close_due: end of use — an early end, closing a
project now, and the daily job that closes projects the day after their last day of use."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from calsreg.accounts.models import Project, User
from calsreg.accounts.services import project_close, project_end_schedule, projects_close_due
from calsreg.core.errors import DomainError, ValidationFailed
from calsreg.notifications.models import Delivery
from calsreg.notifications.rendering import render_delivery
from calsreg.records.models import AuditEvent
from tests.accounts.end_of_use_helpers import last_delivery_pk, signed_in, signed_out, states
from tests.accounts.helpers import TANAKA, desk_actor, registered, snapshot, started
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
# The helpers' applications run from 1 December 2026 to 19 March 2027.
IN_THE_PERIOD = dt.datetime(2027, 1, 15, 10, tzinfo=JST)
TANAKA_MAIL = "tanaka@echigo-kensetsu.example.co.jp"
SUZUKI_MAIL = "suzuki@echigo-kensetsu.example.co.jp"


# --- project_close ----------------------------------------------------------------------------


@pytest.mark.urls("tests.accounts.urls")
@time_machine.travel(IN_THE_PERIOD, tick=False)
def test_closing_closes_the_unused_accounts_ends_their_sessions_and_tells_the_contractor_side_once():
    # given: the supervisor also works on another project; a different applicant address
    supervisor = SupervisorFactory()
    project, (tanaka, suzuki, account) = started(
        supervisors=[supervisor],
        applicant_email="jimu@echigo-kensetsu.example.co.jp",
        applicant_name="事務 花子",
    )
    started(supervisors=[supervisor])
    clients = {user.username: signed_in(user) for user in (tanaka, suzuki, account)}
    before = last_delivery_pk()

    # when
    closed = project_close(project=project, actor=desk_actor(), reason="工事の中止")

    # then: the project
    project.refresh_from_db()
    assert closed == project
    assert (project.status, project.closed_at, project.closed_reason) == (
        "closed",
        timezone.now(),
        "工事の中止",
    )
    # the contractor's accounts closed and signed out; the supervisor's stays (another project)
    states = dict(
        User.objects.filter(pk__in=[tanaka.pk, suzuki.pk, account.pk]).values_list("username", "state")
    )
    assert states == {tanaka.username: "closed", suzuki.username: "closed", account.username: "active"}
    assert signed_out(clients[tanaka.username])
    assert signed_out(clients[suzuki.username])
    assert not signed_out(clients[account.username])
    # one notice per address: the users and the applicant, not the supervisor
    notices = Delivery.objects.filter(pk__gt=before).order_by("pk")
    assert [(d.kind, d.to_address) for d in notices] == [
        ("project_closed", TANAKA_MAIL),
        ("project_closed", SUZUKI_MAIL),
        ("project_closed", "jimu@echigo-kensetsu.example.co.jp"),
    ]
    assert notices[2].context["recipient_name"] == "事務 花子"
    body = render_delivery(delivery=notices[0]).body
    assert "2027年1月15日(金)をもって終了しました" in body
    event = AuditEvent.objects.get(action="project.closed")
    assert event.data == {
        "reason": "工事の中止",
        "last_day_of_use": "2027-03-19",
        "closed_accounts": [tanaka.username, suzuki.username],
        "sessions_ended": 2,
        "notified": 3,
    }


def test_the_applicant_who_is_a_user_gets_one_notice():
    project, _accounts = started()

    project_close(project=project, actor=desk_actor(), reason="工期終了")

    assert sorted(Delivery.objects.filter(kind="project_closed").values_list("to_address", flat=True)) == [
        SUZUKI_MAIL,
        TANAKA_MAIL,
    ]


def test_the_supervisor_account_closes_with_its_only_project():
    project, (_tanaka, _suzuki, account) = started()

    project_close(project=project, actor=desk_actor(), reason="工期終了")

    account.refresh_from_db()
    assert account.state == "closed"


def test_a_project_closed_before_its_start_closes_its_issued_accounts():
    project, accounts = registered()

    project_close(project=project, actor=desk_actor(), reason="契約解除")

    project.refresh_from_db()
    assert project.status == "closed"
    assert {user.state for user in User.objects.filter(pk__in=[u.pk for u in accounts])} == {"closed"}


def test_closing_twice_changes_and_sends_nothing_the_second_time():
    project, _accounts = started()
    actor = desk_actor()
    project_close(project=project, actor=actor, reason="工期終了")
    before, kept = snapshot(), states()

    again = project_close(project=project, actor=actor, reason="別の理由")

    assert (again.status, again.closed_reason) == ("closed", "工期終了")
    assert (snapshot(), states()) == (before, kept)


def test_a_reason_is_required():
    project, _accounts = started()
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(ValidationFailed) as refused:
        project_close(project=project, actor=actor, reason="  ")

    assert [e.field for e in refused.value.errors] == ["reason"]
    assert (snapshot(), states()) == (before, kept)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_closing_notice_renders_in_the_projects_language(language):
    project, _accounts = started(users=[TANAKA])
    Project.objects.filter(pk=project.pk).update(notice_language=language)

    project_close(project=project, actor=desk_actor(), reason="工期終了")

    notice = Delivery.objects.get(kind="project_closed")
    mail = render_delivery(delivery=notice)
    assert notice.language == language
    assert "{{" not in mail.body
    assert project.project_number in mail.body
    expected = {
        "ja": "【新潟県CALSシステム】利用終了のお知らせ（信濃川護岸設置工事）",
        "en": "[Niigata CALS System] End of use (信濃川護岸設置工事)",
    }
    assert mail.subject == expected[language]


# --- project_end_schedule ---------------------------------------------------------------------


@time_machine.travel(IN_THE_PERIOD, tick=False)
def test_an_early_end_in_the_future_is_recorded_and_the_project_stays_in_use():
    project, _accounts = started()

    result = project_end_schedule(
        project=project, ends_on=dt.date(2027, 2, 26), actor=desk_actor(), reason="工期短縮"
    )

    project.refresh_from_db()
    assert result == project
    assert (project.status, project.ends_on, project.last_day_of_use) == (
        "active",
        dt.date(2027, 2, 26),
        dt.date(2027, 2, 26),
    )
    assert AuditEvent.objects.get(action="project.end_scheduled").data == {
        "ends_on": "2027-02-26",
        "previous": None,
        "reason": "工期短縮",
    }
    assert not Delivery.objects.filter(kind="project_closed").exists()


@time_machine.travel(IN_THE_PERIOD, tick=False)
def test_an_early_end_of_today_keeps_today_usable():
    project, _accounts = started()

    project_end_schedule(project=project, ends_on=dt.date(2027, 1, 15), actor=desk_actor())

    project.refresh_from_db()
    assert project.status == "active"


@time_machine.travel(IN_THE_PERIOD, tick=False)
def test_an_early_end_already_past_closes_the_project_now():
    project, (tanaka, _suzuki, _supervisor) = started()

    project_end_schedule(project=project, ends_on=dt.date(2027, 1, 10), actor=desk_actor())

    project.refresh_from_db()
    tanaka.refresh_from_db()
    assert (project.status, project.closed_reason, project.ends_on) == (
        "closed",
        "早期終了",
        dt.date(2027, 1, 10),
    )
    assert tanaka.state == "closed"
    assert [e.action for e in AuditEvent.objects.filter(subject_type="project").order_by("pk")][-2:] == [
        "project.end_scheduled",
        "project.closed",
    ]
    body = render_delivery(delivery=Delivery.objects.filter(kind="project_closed").first()).body
    assert "2027年1月10日(日)をもって終了しました" in body


@pytest.mark.parametrize("ends_on", [dt.date(2026, 11, 30), dt.date(2027, 3, 20)])
def test_an_end_outside_the_construction_period_is_refused(ends_on):
    project, _accounts = started()
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(ValidationFailed) as refused:
        project_end_schedule(project=project, ends_on=ends_on, actor=actor)

    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("ends_on", "利用終了予定日は工期（2026-12-01〜2027-03-19）の範囲で指定してください。")
    ]
    assert (snapshot(), states()) == (before, kept)


def test_an_early_end_before_a_scheduled_start_of_use_is_refused():
    project, _accounts = registered()
    Project.objects.filter(pk=project.pk).update(service_starts_on=dt.date(2027, 2, 1))
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(ValidationFailed) as refused:
        project_end_schedule(project=project, ends_on=dt.date(2027, 1, 31), actor=actor)

    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("ends_on", "利用終了予定日は利用開始予定日（2027-02-01）以降にしてください。")
    ]
    assert (snapshot(), states()) == (before, kept)
    project_end_schedule(project=project, ends_on=dt.date(2027, 2, 1), actor=actor)  # the day itself is fine


def test_a_closed_project_takes_no_end_date():
    project, _accounts = started()
    actor = desk_actor()
    project_close(project=project, actor=actor, reason="工期終了")
    before, kept = snapshot(), states()

    with pytest.raises(DomainError):
        project_end_schedule(project=project, ends_on=dt.date(2027, 1, 10), actor=actor)

    assert (snapshot(), states()) == (before, kept)


# --- projects_close_due -----------------------------------------------------------------------


def test_the_daily_job_closes_a_project_the_day_after_the_end_of_its_period():
    # given: in use, period ending 19 March 2027
    with time_machine.travel(IN_THE_PERIOD, tick=False):
        project, (tanaka, _suzuki, _supervisor) = started()

    # when: the run on the last day, then on the day after (morning, Japan time)
    with time_machine.travel(dt.datetime(2027, 3, 19, 23, 50, tzinfo=JST), tick=False):
        assert projects_close_due() == 0
        project.refresh_from_db()
        assert project.status == "active"
    with time_machine.travel(dt.datetime(2027, 3, 20, 0, 30, tzinfo=JST), tick=False):
        assert projects_close_due() == 1
        closed_at = timezone.now()

    # then
    project.refresh_from_db()
    tanaka.refresh_from_db()
    assert (project.status, project.closed_at, project.closed_reason) == ("closed", closed_at, "工期終了")
    assert tanaka.state == "closed"
    assert AuditEvent.objects.get(action="project.closed").actor_label == "close_ended_projects"
    body = render_delivery(delivery=Delivery.objects.filter(kind="project_closed").first()).body
    assert "2027年3月19日(金)をもって終了しました" in body

    # and running again closes and sends nothing
    before = snapshot()
    assert projects_close_due(today=dt.date(2027, 3, 21)) == 0
    assert snapshot() == before


def test_the_daily_job_closes_an_early_ended_project_the_day_after_its_early_end():
    with time_machine.travel(IN_THE_PERIOD, tick=False):
        project, _accounts = started()
        project_end_schedule(project=project, ends_on=dt.date(2027, 1, 31), actor=desk_actor())

    assert projects_close_due(today=dt.date(2027, 1, 31)) == 0
    assert projects_close_due(today=dt.date(2027, 2, 1)) == 1

    project.refresh_from_db()
    assert (project.status, project.closed_reason) == ("closed", "早期終了")


def test_the_daily_job_closes_every_ended_project_and_leaves_the_others():
    ended, _a = started()
    never_started, _b = registered()
    running, _c = started(period_end=dt.date(2027, 6, 30))
    already, _d = started()
    project_close(project=already, actor=desk_actor(), reason="工事の中止")

    assert projects_close_due(today=dt.date(2027, 3, 20)) == 2

    statuses = dict(Project.objects.values_list("pk", "status"))
    assert statuses == {
        ended.pk: "closed",
        never_started.pk: "closed",
        running.pk: "active",
        already.pk: "closed",
    }
    assert Project.objects.get(pk=already.pk).closed_reason == "工事の中止"
