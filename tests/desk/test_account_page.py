"""The desk's account page beyond its timeline: last sign-ins (my page and relying parties), the
lock state, the mails sent to it (never a body: a password never reaches the desk), its projects'
states; opening it is audited like opening an application; refused to other roles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from calsreg.accounts.models import LoginIdLock, Project, ProjectStatus, Role, User
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import started
from tests.billing.invoice_helpers import jst
from tests.desk.sso_helpers import party, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VIEW_AT = jst(2026, 12, 9, 10)


def _tanaka() -> tuple[Project, User]:
    with time_machine.travel(jst(2026, 12, 7, 10), tick=False):
        project, accounts = started()
        deliveries_send_due()
    return project, next(user for user in accounts if user.username.startswith("tanaka"))


def _open(client, account: User, role: str = Role.HELP_DESK):
    with time_machine.travel(VIEW_AT, tick=False):
        client.force_login(UserFactory(role=role))
        return client.get(reverse("desk:account_detail", args=[account.pk]))


def test_the_page_shows_last_sign_ins_lock_state_and_the_projects_state(client):
    project, tanaka = _tanaka()
    User.objects.filter(pk=tanaka.pk).update(last_login=jst(2026, 12, 8, 8) + dt.timedelta(minutes=30))
    sign_in(party().application, tanaka, at=jst(2026, 12, 8, 9))
    LoginIdLock.objects.create(
        username=tanaka.username,
        failures=20,
        window_started_at=VIEW_AT - dt.timedelta(minutes=10),
        locked_at=VIEW_AT - dt.timedelta(minutes=5),
        locked_until=VIEW_AT + dt.timedelta(minutes=25),
    )
    Project.objects.filter(pk=project.pk).update(
        status=ProjectStatus.SUSPENDED, suspended_at=jst(2026, 12, 8)
    )

    page = _open(client, tanaka).content.decode()

    assert "2026年12月8日(火) 08:30" in page  # my page
    assert "2026年12月8日(火) 09:00（情報共有システム）" in page
    assert "ログイン停止中（2026年12月9日(水) 10:25まで）" in page
    assert f'href="/desk/projects/{project.pk}/"' in page
    assert '<span class="badge project-suspended">利用停止中</span>' in page


def test_an_account_not_locked_says_so(client):
    _project, tanaka = _tanaka()

    page = _open(client, tanaka).content.decode()

    assert "停止されていません" in page and "ログイン停止中" not in page


def test_the_mails_sent_to_the_account_are_listed_without_their_bodies(client):
    _project, tanaka = _tanaka()
    [password_mail] = [m for m in mail.outbox if m.to == [tanaka.email] and "パスワード通知" in m.subject]
    password = re.search(r"初期パスワード：(\S+)", password_mail.body).group(1)

    page = _open(client, tanaka).content.decode()

    mails = page[page.index('id="section-mails"') : page.index('id="actions"')]
    assert "ID通知メール" in mails and "パスワード通知メール" in mails
    assert mails.count("送信済み") >= 2
    assert password not in page
    assert "初期パスワード：" not in page


def test_opening_the_page_records_one_view_and_changes_nothing_else(client):
    _project, tanaka = _tanaka()
    before = AuditEvent.objects.count()
    state = User.objects.values_list("state", "password", "is_active").get(pk=tanaka.pk)

    _open(client, tanaka)

    assert AuditEvent.objects.count() == before + 1
    view = AuditEvent.objects.latest("pk")
    assert (view.action, view.subject_type, view.subject_id) == ("account.viewed", "user", tanaka.pk)
    assert User.objects.values_list("state", "password", "is_active").get(pk=tanaka.pk) == state


@pytest.mark.parametrize(("role", "status"), [(Role.BILLING_AGENT, 403), (Role.SUPERVISOR, 302)])
def test_other_roles_are_refused_and_nothing_is_recorded(client, role, status):
    _project, tanaka = _tanaka()
    before = AuditEvent.objects.count()

    response = _open(client, tanaka, role=role)

    assert response.status_code == status
    assert tanaka.username not in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_anonymous_is_sent_to_the_desk_login_and_nothing_is_recorded(client):
    _project, tanaka = _tanaka()
    before = AuditEvent.objects.count()

    with time_machine.travel(VIEW_AT, tick=False):
        response = client.get(reverse("desk:account_detail", args=[tanaka.pk]))

    assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
    assert AuditEvent.objects.count() == before
