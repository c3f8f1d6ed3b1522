"""One account at the desk: its ID, name, state, projects with roles, and a timeline merging its
audit rows, its sign-ins at the relying parties and the logouts sent for it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from calsreg.accounts.models import Role
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor, audit_record
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, started
from tests.desk.helpers import make_application
from tests.desk.sso_helpers import event, logout, party, sign_in
from tests.factories import OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = A_DAY_OF_THE_PERIOD + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _holder():
    project, accounts = started()
    return project, next(user for user in accounts if user.role == Role.CONTRACTOR)


def test_account_page_shows_id_name_state_projects_and_the_sso_timeline(desk_client):
    project, holder = _holder()
    registered = party()
    ended = event("account.sessions_ended", at=NOW - dt.timedelta(hours=2), account_id=holder.username)
    earlier = sign_in(
        registered.application, holder, at=NOW - dt.timedelta(hours=3), ended_at=NOW - dt.timedelta(hours=2)
    )
    logout(
        registered.application,
        holder,
        status="delivered",
        at=NOW - dt.timedelta(hours=2),
        ev=ended,
        ended=earlier,
    )
    sign_in(registered.application, holder, at=NOW - dt.timedelta(hours=1))

    content = desk_client.get(f"/desk/accounts/{holder.pk}/").content.decode()

    assert holder.username in content and holder.display_name in content
    assert holder.get_state_display() in content
    assert project.project_number in content and "現場代理人" in content
    assert "情報共有システム にサインイン" in content
    assert "（理由: account.sessions_ended）" in content
    assert "情報共有システム へ送信（account.sessions_ended）: 受領済み" in content
    assert "継続中" in content
    # Newest first: the running sign-in, then the logout, then the ended sign-in.
    assert content.index("継続中") < content.index("へ送信") < content.index("理由:")


@pytest.mark.parametrize("n", [1, 6])
def test_account_page_costs_the_same_queries_for_1_or_6_rows_of_each_kind(
    desk_client, django_assert_num_queries, n
):
    _project, holder = _holder()
    registered = party()
    for hour in range(n):
        at = NOW - dt.timedelta(hours=hour + 1)
        sign_in(registered.application, holder, at=at)
        logout(registered.application, holder, at=at)
        audit_record(actor=Actor.system("test"), action="test.event", subject=holder, summary=f"event {hour}")

    # session, user, account, projects, sign-ins, 2 lock reads, mails, audit rows, logouts, the view's
    # audit INSERT
    # +2: the actions the account's state allows (its lock and its pending notices).
    with django_assert_num_queries(15):
        response = desk_client.get(f"/desk/accounts/{holder.pk}/")

    assert response.content.decode().count("event ") == n


def test_a_staff_member_has_no_account_page(desk_client):
    staff = UserFactory(role=Role.BILLING_AGENT)

    assert desk_client.get(f"/desk/accounts/{staff.pk}/").status_code == 404


@pytest.mark.parametrize("role", [Role.BILLING_AGENT, None])
def test_account_page_is_refused_to_anyone_but_the_help_desk(client, role):
    _project, holder = _holder()
    if role is not None:
        client.force_login(UserFactory(role=role))
    audit_rows = AuditEvent.objects.count()

    response = client.get(f"/desk/accounts/{holder.pk}/")

    assert response.status_code == (302 if role is None else 403)
    assert holder.username not in response.content.decode()
    # No "viewed" row either: a refused look is no look.
    assert AuditEvent.objects.count() == audit_rows


def test_application_page_links_each_issued_account(desk_client):
    project, _account = _holder()
    accounts = list(project.memberships.select_related("user"))

    content = desk_client.get(f"/desk/applications/{project.application_id}/").content.decode()

    for membership in accounts:
        assert (
            f'href="/desk/accounts/{membership.user_id}/"><code>{membership.user.username}</code>' in content
        )


def test_application_page_before_registration_links_no_account(desk_client):
    application = make_application(office=OfficeFactory(), number=1)

    content = desk_client.get(f"/desk/applications/{application.pk}/").content.decode()

    assert "/desk/accounts/" not in content
