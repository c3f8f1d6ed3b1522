"""project_start_use / projects_start_due: the project goes live, accounts become usable, and the
start-of-use notice goes to everyone on the application — once (seed step 5)."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from calsreg.accounts.models import Project, User
from calsreg.accounts.selectors import project_accounts
from calsreg.accounts.services import project_register, project_start_use, projects_start_due
from calsreg.core.errors import InvalidTransition
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import application_in, desk_actor, snapshot
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
TANAKA_MAIL = "tanaka@echigo-kensetsu.example.co.jp"
SUZUKI_MAIL = "suzuki@echigo-kensetsu.example.co.jp"


def _registered(**kwargs):
    supervisor = SupervisorFactory(email="kantoku@pref.niigata.lg.jp")
    application = application_in(supervisors=[supervisor], **kwargs)
    return project_register(application=application, actor=desk_actor()), application


def _start_notices():
    return list(
        Delivery.objects.filter(kind="start_of_use").order_by("id").values_list("to_address", "language")
    )


@time_machine.travel(dt.datetime(2026, 11, 30, 10, tzinfo=JST), tick=False)
def test_starting_now_activates_the_project_and_its_accounts_and_tells_everyone_once():
    # given: the applicant is also the first user (one mail for that address)
    project, application = _registered()
    actor = desk_actor()
    audit_before = AuditEvent.objects.count()

    # when
    project = project_start_use(project=project, actor=actor)

    # then
    now = timezone.now()
    project.refresh_from_db()
    application.refresh_from_db()
    assert (project.status, project.started_at) == ("active", now)
    assert application.status == "in_service"
    for user in project_accounts(project=project):
        assert (user.state, user.activated_at) == ("active", now)
        # the initial password's days count from the start of use
        assert user.initial_password_expires_at == now + timedelta(days=14)
    assert _start_notices() == [
        (TANAKA_MAIL, "ja"),
        (SUZUKI_MAIL, "ja"),
        ("kantoku@pref.niigata.lg.jp", "ja"),
    ]
    tanaka_notice = Delivery.objects.get(kind="start_of_use", to_address=TANAKA_MAIL)
    assert tanaka_notice.context["recipient_name"] == "田中 一郎"
    assert tanaka_notice.subject_type == "project"
    actions = list(AuditEvent.objects.order_by("id")[audit_before:].values_list("action", "subject_type"))
    assert actions == [("project.started", "project"), ("application.in_service", "application")]
    assert AuditEvent.objects.get(action="project.started").data == {
        "activated_accounts": [
            u.username for u in User.objects.filter(memberships__project=project).order_by("pk")
        ],
        "notified": 3,
    }


def test_an_applicant_who_is_not_a_user_is_told_too():
    project, _application = _registered(applicant_email="jimu@echigo-kensetsu.example.co.jp")

    project_start_use(project=project, actor=desk_actor(), language="en")

    assert _start_notices() == [
        (TANAKA_MAIL, "en"),
        (SUZUKI_MAIL, "en"),
        ("jimu@echigo-kensetsu.example.co.jp", "en"),
        ("kantoku@pref.niigata.lg.jp", "en"),
    ]


def test_starting_twice_changes_and_sends_nothing_the_second_time():
    project, _application = _registered()
    actor = desk_actor()
    project_start_use(project=project, actor=actor)
    before = snapshot()

    again = project_start_use(project=project, actor=actor)

    assert again.status == "active"
    assert snapshot() == before


def test_a_closed_project_cannot_start():
    project, application = _registered()
    Project.objects.filter(pk=project.pk).update(status="closed")
    actor = desk_actor()
    before = snapshot()

    with pytest.raises(InvalidTransition):
        project_start_use(project=project, actor=actor)

    application.refresh_from_db()
    assert application.status == "registered"
    assert snapshot() == before


def test_a_start_date_today_or_in_the_past_starts_now():
    project, _application = _registered()

    project_start_use(project=project, actor=desk_actor(), starts_on=timezone.localdate() - timedelta(days=3))

    project.refresh_from_db()
    assert project.status == "active"
    assert len(_start_notices()) == 3


def test_a_scheduled_start_takes_effect_on_its_day_through_the_daily_run():
    # given: registered and scheduled on 30 November for 7 December (the construction start)
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, tzinfo=JST), tick=False):
        project, application = _registered(applicant_email="jimu@echigo-kensetsu.example.co.jp")
        project_start_use(project=project, actor=desk_actor(), starts_on=dt.date(2026, 12, 7), language="en")
        project.refresh_from_db()
        assert (project.status, project.service_starts_on) == ("provisioned", dt.date(2026, 12, 7))
        assert _start_notices() == []
        assert AuditEvent.objects.filter(action="project.start_scheduled").count() == 1

    # when: the daily run the day before, and on the day (morning, Japan time)
    with time_machine.travel(dt.datetime(2026, 12, 6, 6, tzinfo=JST), tick=False):
        assert projects_start_due() == 0
        assert set(project_accounts(project=project).values_list("state", flat=True)) == {"issued"}
    with time_machine.travel(dt.datetime(2026, 12, 7, 6, tzinfo=JST), tick=False):
        assert projects_start_due() == 1
        started_at = timezone.now()

    # then
    project.refresh_from_db()
    application.refresh_from_db()
    assert (project.status, project.started_at, application.status) == ("active", started_at, "in_service")
    assert set(project_accounts(project=project).values_list("state", flat=True)) == {"active"}
    assert [language for _to, language in _start_notices()] == ["en"] * 4
    assert AuditEvent.objects.get(action="project.started").actor_label == "start_scheduled_projects"

    # and running again sends nothing
    before = snapshot()
    assert projects_start_due(today=dt.date(2026, 12, 8)) == 0
    assert snapshot() == before


def test_the_daily_command_starts_due_projects():
    project, _application = _registered()
    Project.objects.filter(pk=project.pk).update(service_starts_on=timezone.localdate())
    out = StringIO()

    call_command("start_scheduled_projects", stdout=out)

    project.refresh_from_db()
    assert project.status == "active"
    assert out.getvalue() == "started 1 project(s)\n"


def test_the_desk_can_start_a_scheduled_project_early():
    project, _application = _registered()
    project_start_use(
        project=project, actor=desk_actor(), starts_on=timezone.localdate() + timedelta(days=10)
    )

    project_start_use(project=project, actor=desk_actor())

    project.refresh_from_db()
    assert project.status == "active"
    assert projects_start_due(today=timezone.localdate() + timedelta(days=10)) == 0
    assert len(_start_notices()) == 3


def test_a_supervisor_account_active_from_an_earlier_project_stays_as_it_is():
    # given: the supervisor's account started with a first project
    supervisor = SupervisorFactory()
    first = project_register(application=application_in(supervisors=[supervisor]), actor=desk_actor())
    project_start_use(project=first, actor=desk_actor())
    account = User.objects.get(supervisor=supervisor)
    activated_at = account.activated_at
    second = project_register(application=application_in(supervisors=[supervisor]), actor=desk_actor())

    # when
    project_start_use(project=second, actor=desk_actor())

    # then
    account.refresh_from_db()
    assert (account.state, account.activated_at) == ("active", activated_at)


def test_a_closed_supervisor_account_reused_for_a_new_project_is_reopened_at_its_start():
    # given: the supervisor's account was closed after an earlier project
    supervisor = SupervisorFactory()
    first = project_register(application=application_in(supervisors=[supervisor]), actor=desk_actor())
    User.objects.filter(supervisor=supervisor).update(state="closed")
    second = project_register(application=application_in(supervisors=[supervisor]), actor=desk_actor())

    # when
    project_start_use(project=second, actor=desk_actor())

    # then: usable again, and no new credentials were sent for it
    account = User.objects.get(supervisor=supervisor)
    assert account.state == "active"
    assert Delivery.objects.filter(subject_type="user", subject_id=account.pk).count() == 2
    assert first.pk != second.pk


def test_the_notice_links_to_my_page_when_no_service_url_is_configured(settings):
    # given
    settings.SERVICE_URL = ""
    project, _ = _registered()

    # when
    project_start_use(project=project, actor=desk_actor())

    # then
    notice = Delivery.objects.get(kind="start_of_use", to_address=TANAKA_MAIL)
    assert notice.context["login_url"] == "http://127.0.0.1:8000/mypage/login/"


def test_the_notice_links_to_the_information_sharing_service_when_its_url_is_configured(settings):
    # given
    settings.SERVICE_URL = "https://share.example.jp/"
    project, _ = _registered()

    # when
    project_start_use(project=project, actor=desk_actor())

    # then: everyone's notice points to the service, where they sign in through calsreg
    links = set(Delivery.objects.filter(kind="start_of_use").values_list("context__login_url", flat=True))
    assert links == {"https://share.example.jp/"}
