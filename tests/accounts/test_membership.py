"""project_user_add / _remove, project_supervisor_add / _remove: who works on a project changes
after a verified change request (seed steps 7–9)."""

from __future__ import annotations

import datetime as dt
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import is_password_usable
from django.db import transaction
from django.utils import timezone

from calsreg.accounts import credentials
from calsreg.accounts.models import Membership, Project, User
from calsreg.accounts.selectors import project_accounts
from calsreg.accounts.services import (
    project_close,
    project_start_use,
    project_supervisor_add,
    project_supervisor_remove,
    project_user_add,
    project_user_remove,
)
from calsreg.core.errors import Conflict, DomainError
from calsreg.notifications.models import Delivery
from calsreg.notifications.rendering import render_delivery
from calsreg.records.models import AuditEvent
from tests.accounts.end_of_use_helpers import last_delivery_pk, signed_in, signed_out, states
from tests.accounts.helpers import (
    PASSWORD,
    TANAKA,
    desk_actor,
    login_request,
    registered,
    snapshot,
    started,
)
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
YAMADA = {
    "role": "engineer",
    "name": "山田 三郎",
    "kana": "ヤマダ サブロウ",
    "email": "yamada@echigo-kensetsu.example.co.jp",
    "phone": "090-3456-7890",
    "requested_id": "yamada",
}


def _mails(**filters) -> list[tuple[str, str]]:
    return list(Delivery.objects.filter(**filters).order_by("pk").values_list("kind", "to_address"))


# --- project_user_add -------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 12, 10, 10, tzinfo=JST), tick=False)
def test_a_user_added_to_a_project_in_use_is_usable_at_once_and_gets_credentials_and_the_start_notice():
    # given
    project, _accounts = started()
    before = last_delivery_pk()

    # when
    user = project_user_add(project=project, person=YAMADA, actor=desk_actor())

    # then: a new account with a system-chosen suffix, usable now
    now = timezone.now()
    user.refresh_from_db()
    assert re.fullmatch(r"yamada\.[a-z]{3}", user.username)
    assert not set(user.username.split(".")[1]) & set("ilo")
    assert (user.role, user.display_name, user.kana, user.email, user.phone) == (
        "contractor",
        "山田 三郎",
        "ヤマダ サブロウ",
        "yamada@echigo-kensetsu.example.co.jp",
        "090-3456-7890",
    )
    assert (user.state, user.activated_at, user.must_change_password) == ("active", now, True)
    assert user.initial_password_expires_at == now + timedelta(days=14)
    assert not is_password_usable(user.password)  # the password is made when its mail is sent
    assert Membership.objects.get(project=project, user=user).role == "engineer"
    # the ID and the password in two mails, then the start-of-use notice, all to the new address
    assert _mails(pk__gt=before) == [
        ("account_id_notice", YAMADA["email"]),
        ("account_password_notice", YAMADA["email"]),
        ("start_of_use", YAMADA["email"]),
    ]
    assert Delivery.objects.get(kind="start_of_use", to_address=YAMADA["email"]).context[
        "recipient_name"
    ] == ("山田 三郎")
    event = AuditEvent.objects.get(action="project.user_added")
    assert (event.subject_type, event.subject_id) == ("project", project.pk)
    assert event.data == {"account": user.username, "role": "engineer", "activated": True}


def test_a_user_added_before_the_start_of_use_waits_for_it():
    # given
    project, _accounts = registered()

    # when
    user = project_user_add(project=project, person=YAMADA, actor=desk_actor(), language="en")

    # then: issued, credentials sent, no start notice yet
    user.refresh_from_db()
    assert (user.state, user.activated_at) == ("issued", None)
    assert _mails(to_address=YAMADA["email"]) == [
        ("account_id_notice", YAMADA["email"]),
        ("account_password_notice", YAMADA["email"]),
    ]
    assert set(Delivery.objects.filter(to_address=YAMADA["email"]).values_list("language", flat=True)) == {
        "en"
    }
    assert AuditEvent.objects.get(action="project.user_added").data["activated"] is False

    # and the start of use makes the account usable and tells them
    project_start_use(project=project, actor=desk_actor())
    user.refresh_from_db()
    assert user.state == "active"
    assert ("start_of_use", YAMADA["email"]) in _mails()


def test_a_user_added_to_a_suspended_project_is_active_but_not_told_it_can_be_used_now():
    project, _accounts = started()
    Project.objects.filter(pk=project.pk).update(status="suspended", suspended_at=timezone.now())

    user = project_user_add(project=project, person=YAMADA, actor=desk_actor())

    user.refresh_from_db()
    assert user.state == "active"
    assert [kind for kind, _to in _mails(to_address=YAMADA["email"])] == [
        "account_id_notice",
        "account_password_notice",
    ]


def test_an_added_user_asking_for_a_taken_id_gets_another_suffix(monkeypatch):
    # given: tanaka.abc exists and the generator offers "abc" first
    project, _accounts = started()
    User.objects.create(username="tanaka.abc", role="contractor", state="active")
    suffixes = iter(["abc", "xyz"])
    monkeypatch.setattr(credentials, "account_id_suffix", lambda: next(suffixes))

    user = project_user_add(project=project, person={**YAMADA, "requested_id": "tanaka"}, actor=desk_actor())

    assert user.username == "tanaka.xyz"


def test_no_free_suffix_refuses_the_addition_and_changes_nothing(monkeypatch):
    project, _accounts = started()
    User.objects.create(username="yamada.abc", role="contractor", state="active")
    monkeypatch.setattr(credentials, "account_id_suffix", lambda: "abc")
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(Conflict):
        project_user_add(project=project, person=YAMADA, actor=actor)

    assert (snapshot(), states()) == (before, kept)


def test_a_closed_project_takes_no_new_user():
    project, _accounts = started()
    Project.objects.filter(pk=project.pk).update(status="closed")
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(DomainError) as refused:
        project_user_add(project=project, person=YAMADA, actor=actor)

    assert refused.value.message == "利用を終了した工事には利用者を追加できません。"
    assert (snapshot(), states()) == (before, kept)


@pytest.mark.urls("tests.accounts.urls")
@pytest.mark.django_db(transaction=True)
def test_an_added_users_mails_arrive_separately_and_the_password_works_at_once(smtp_server, run_tasks):
    # given: a project in use, its earlier mails sent
    project, _accounts = started(users=[TANAKA], supervisors=[SupervisorFactory()])
    run_tasks()
    sent_before = len(smtp_server.messages)

    # when
    user = project_user_add(project=project, person=YAMADA, actor=desk_actor())
    assert run_tasks() == 3

    # then: three mails to the new address; the ID and the password in different ones
    mails = {
        str(m["Subject"]).strip(): m.get_content()
        for m in smtp_server.messages[sent_before:]
        if m["To"] == YAMADA["email"]
    }
    assert sorted(mails) == [
        "【新潟県CALSシステム】ID通知（信濃川護岸設置工事）",
        "【新潟県CALSシステム】パスワード通知（信濃川護岸設置工事）",
        "【新潟県CALSシステム】利用開始のお知らせ（信濃川護岸設置工事）",
    ]
    password = re.search(
        r"■ 初期パスワード：(\S+)", mails["【新潟県CALSシステム】パスワード通知（信濃川護岸設置工事）"]
    )[1]
    assert user.username in mails["【新潟県CALSシステム】ID通知（信濃川護岸設置工事）"]
    assert user.username not in mails["【新潟県CALSシステム】パスワード通知（信濃川護岸設置工事）"]
    # the password opens the account now, and is stored only as a hash
    assert authenticate(login_request(), username=user.username, password=password) == user
    user.refresh_from_db()
    assert password not in user.password
    assert not Delivery.objects.filter(context__icontains=password).exists()


# --- project_user_remove ----------------------------------------------------------------------


@pytest.mark.urls("tests.accounts.urls")
def test_a_removed_user_loses_the_project_the_account_and_the_session_and_is_told():
    # given: suzuki is signed in
    project, (tanaka, suzuki, _supervisor) = started()
    suzuki_client = signed_in(suzuki)
    tanaka_client = signed_in(tanaka)

    # when
    project_user_remove(project=project, user=suzuki, actor=desk_actor())

    # then
    suzuki.refresh_from_db()
    assert Membership.objects.get(project=project, user=suzuki).active is False
    assert suzuki.state == "closed"
    assert signed_out(suzuki_client)
    assert not signed_out(tanaka_client)
    assert _mails(kind="project_access_ended") == [("project_access_ended", suzuki.email)]
    event = AuditEvent.objects.get(action="project.user_removed")
    assert event.data == {"account": suzuki.username, "account_closed": True, "sessions_ended": 1}
    assert list(project_accounts(project=project).filter(memberships__active=True)) == [
        tanaka,
        User.objects.get(role="supervisor"),
    ]


@pytest.mark.urls("tests.accounts.urls")
def test_a_removed_user_with_another_project_keeps_the_account_but_the_session_ends():
    # given: suzuki also works on a second project in use (an account shared by two projects)
    project, (_tanaka, suzuki, _supervisor) = started()
    other, _other_accounts = started()
    Membership.objects.create(project=other, user=suzuki, role="engineer")
    client = signed_in(suzuki)

    # when
    project_user_remove(project=project, user=suzuki, actor=desk_actor())

    # then: still usable for the other project, but this session (which may show the project) ended
    suzuki.refresh_from_db()
    assert suzuki.state == "active"
    assert signed_out(client)
    assert authenticate(login_request(), username=suzuki.username, password=PASSWORD) == suzuki
    assert AuditEvent.objects.get(action="project.user_removed").data["account_closed"] is False
    body = render_delivery(delivery=Delivery.objects.get(kind="project_access_ended")).body
    assert "ほかの工事は、これまでどおり同じIDでご利用いただけます。" in body


def test_the_last_user_cannot_be_removed_and_nothing_changes():
    project, (tanaka, _supervisor) = started(users=[TANAKA])
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(DomainError) as refused:
        project_user_remove(project=project, user=tanaka, actor=actor)

    assert refused.value.message == (
        f"{tanaka.username} はこの工事の最後の利用者のため、削除できません。"
        "代わりの利用者を先に追加するか、同じ申込で追加してください。"
    )
    assert (snapshot(), states()) == (before, kept)


def test_the_last_user_is_replaced_by_adding_first_in_the_same_transaction():
    project, (tanaka, _supervisor) = started(users=[TANAKA])

    with transaction.atomic():
        yamada = project_user_add(project=project, person=YAMADA, actor=desk_actor())
        project_user_remove(project=project, user=tanaka, actor=desk_actor())

    assert list(
        Membership.objects.filter(project=project, active=True, user__role="contractor").values_list(
            "user_id", flat=True
        )
    ) == [yamada.pk]


@pytest.mark.parametrize("who", ["supervisor", "stranger", "removed"])
def test_only_an_active_user_of_the_project_can_be_removed(who):
    project, (_tanaka, suzuki, supervisor) = started()
    _other, (stranger, *_rest) = started()
    if who == "removed":
        project_user_remove(project=project, user=suzuki, actor=desk_actor())
    user = {"supervisor": supervisor, "stranger": stranger, "removed": suzuki}[who]
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(DomainError) as refused:
        project_user_remove(project=project, user=user, actor=actor)

    assert refused.value.message == f"{user.username} はこの工事の利用者として登録されていません。"
    assert (snapshot(), states()) == (before, kept)


def test_users_of_a_closed_project_cannot_be_removed():
    project, (_tanaka, suzuki, _supervisor) = started()
    project_close(project=project, actor=desk_actor(), reason="工期終了")
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(DomainError):
        project_user_remove(project=project, user=suzuki, actor=actor)

    assert (snapshot(), states()) == (before, kept)


# --- project_supervisor_add / _remove ---------------------------------------------------------


def test_a_new_supervisor_of_the_office_gets_an_account_credentials_and_the_start_notice():
    # given
    project, _accounts = started()
    newcomer = SupervisorFactory(
        office=project.office, email="Shin.Kantoku@pref.niigata.lg.jp", title="supervisor"
    )
    before = last_delivery_pk()

    # when
    user = project_supervisor_add(project=project, supervisor=newcomer, actor=desk_actor())

    # then
    user.refresh_from_db()
    assert re.fullmatch(r"shinkantok\.[a-z]{3}", user.username)
    assert (user.role, user.supervisor, user.state, user.email) == (
        "supervisor",
        newcomer,
        "active",
        "Shin.Kantoku@pref.niigata.lg.jp",
    )
    assert Membership.objects.get(project=project, user=user).role == "supervisor"
    assert _mails(pk__gt=before) == [
        ("account_id_notice", newcomer.email),
        ("account_password_notice", newcomer.email),
        ("start_of_use", newcomer.email),
    ]
    assert AuditEvent.objects.get(action="project.supervisor_added").data == {
        "account": user.username,
        "supervisor": newcomer.code,
        "account_created": True,
        "activated": True,
    }


def test_a_supervisor_whose_account_was_closed_gets_it_reopened_without_new_credentials():
    # given: the supervisor's account closed with an earlier project
    first, (_t, _s, account) = started()
    supervisor = account.supervisor
    project_close(project=first, actor=desk_actor(), reason="工期終了")
    account.refresh_from_db()
    assert account.state == "closed"
    project, _accounts = started(supervisors=[SupervisorFactory(office=supervisor.office)])
    before = last_delivery_pk()

    # when
    user = project_supervisor_add(project=project, supervisor=supervisor, actor=desk_actor())

    # then
    user.refresh_from_db()
    assert (user.pk, user.state) == (account.pk, "active")
    assert _mails(pk__gt=before) == [("start_of_use", supervisor.email)]


def test_a_supervisor_added_before_the_start_of_use_is_activated_by_it():
    project, _accounts = registered()
    newcomer = SupervisorFactory(office=project.office)

    user = project_supervisor_add(project=project, supervisor=newcomer, actor=desk_actor())

    user.refresh_from_db()
    assert user.state == "issued"
    assert not Delivery.objects.filter(kind="start_of_use").exists()
    project_start_use(project=project, actor=desk_actor())
    user.refresh_from_db()
    assert user.state == "active"


def test_the_start_notice_goes_to_the_projects_current_supervisors():
    # given: before the start, a supervisor is replaced
    project, (_t, _s, account) = registered()
    newcomer = SupervisorFactory(office=project.office)
    project_supervisor_add(project=project, supervisor=newcomer, actor=desk_actor())
    project_supervisor_remove(project=project, supervisor=account.supervisor, actor=desk_actor())

    # when
    project_start_use(project=project, actor=desk_actor())

    # then: the newcomer is told, the removed one is not
    notified = set(Delivery.objects.filter(kind="start_of_use").values_list("to_address", flat=True))
    assert newcomer.email in notified
    assert account.supervisor.email not in notified


def test_adding_a_supervisor_already_on_the_project_changes_nothing():
    project, (_t, _s, account) = started()
    actor = desk_actor()
    before, kept = snapshot(), states()

    user = project_supervisor_add(project=project, supervisor=account.supervisor, actor=actor)

    assert user == account
    assert (snapshot(), states()) == (before, kept)


@pytest.mark.parametrize("case", ["other_office", "inactive", "closed_project"])
def test_a_supervisor_is_refused_from_another_office_out_of_the_directory_or_on_a_closed_project(case):
    project, _accounts = started()
    supervisor = SupervisorFactory(office=project.office, name="監督 花子")
    if case == "other_office":
        supervisor = SupervisorFactory(name="監督 花子")
    elif case == "inactive":
        supervisor.active = False
        supervisor.save()
    else:
        Project.objects.filter(pk=project.pk).update(status="closed")
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(DomainError) as refused:
        project_supervisor_add(project=project, supervisor=supervisor, actor=actor)

    expected = {
        "other_office": (
            f"監督 花子 は{supervisor.office.name}の監督員ではないため、"
            f"この工事（{project.office.name}）には追加できません。監督員名簿の所属を確認してください。"
        ),
        "inactive": "監督 花子 は監督員名簿で無効になっているため、追加できません。",
        "closed_project": "利用を終了した工事には監督員を追加できません。",
    }[case]
    assert refused.value.message == expected
    assert (snapshot(), states()) == (before, kept)


@pytest.mark.urls("tests.accounts.urls")
def test_a_removed_supervisor_with_another_project_keeps_the_account_and_the_session():
    # given: the supervisor works on two projects in use, with a colleague on the first
    supervisor = SupervisorFactory()
    colleague = SupervisorFactory(office=supervisor.office)
    project, (_t, _s, account, _c) = started(supervisors=[supervisor, colleague])
    started(supervisors=[supervisor])
    client = signed_in(account)

    # when
    project_supervisor_remove(project=project, supervisor=supervisor, actor=desk_actor())

    # then
    account.refresh_from_db()
    assert Membership.objects.get(project=project, user=account).active is False
    assert account.state == "active"
    assert not signed_out(client)
    assert AuditEvent.objects.get(action="project.supervisor_removed").data == {
        "account": account.username,
        "supervisor": supervisor.code,
        "account_closed": False,
        "sessions_ended": 0,
    }


@pytest.mark.urls("tests.accounts.urls")
def test_a_removed_supervisor_without_another_project_is_closed_andsigned_out():
    supervisor = SupervisorFactory()
    colleague = SupervisorFactory(office=supervisor.office)
    project, (_t, _s, account, _c) = started(supervisors=[supervisor, colleague])
    client = signed_in(account)

    project_supervisor_remove(project=project, supervisor=supervisor, actor=desk_actor())

    account.refresh_from_db()
    assert account.state == "closed"
    assert signed_out(client)


def test_the_last_supervisor_cannot_be_removed_and_nothing_changes():
    project, (_t, _s, account) = started()
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(DomainError) as refused:
        project_supervisor_remove(project=project, supervisor=account.supervisor, actor=actor)

    assert refused.value.message == (
        f"{account.supervisor.name} はこの工事の最後の監督員のため、外せません。"
        "新しい監督員を先に追加するか、同じ申込で追加してください。"
    )
    assert (snapshot(), states()) == (before, kept)


def test_a_supervisor_not_on_the_project_cannot_be_removed():
    project, _accounts = started()
    stranger = SupervisorFactory(office=project.office, name="監督 花子")
    actor = desk_actor()
    before, kept = snapshot(), states()

    with pytest.raises(DomainError) as refused:
        project_supervisor_remove(project=project, supervisor=stranger, actor=actor)

    assert refused.value.message == "監督 花子 はこの工事の監督員として登録されていません。"
    assert (snapshot(), states()) == (before, kept)


def test_the_supervisor_is_replaced_by_adding_first():
    project, (_t, _s, account) = started()
    newcomer = SupervisorFactory(office=project.office)

    project_supervisor_add(project=project, supervisor=newcomer, actor=desk_actor())
    project_supervisor_remove(project=project, supervisor=account.supervisor, actor=desk_actor())

    assert list(
        Membership.objects.filter(project=project, active=True, user__role="supervisor").values_list(
            "user__supervisor", flat=True
        )
    ) == [newcomer.pk]
    # and adding the removed one again reactivates the membership
    project_supervisor_add(project=project, supervisor=account.supervisor, actor=desk_actor())
    assert Membership.objects.get(project=project, user=account).active is True
    account.refresh_from_db()
    assert account.state == "active"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_removal_notice_renders_in_both_languages(language):
    project, (_tanaka, suzuki, _supervisor) = started()

    project_user_remove(project=project, user=suzuki, actor=desk_actor(), language=language)

    mail = render_delivery(delivery=Delivery.objects.get(kind="project_access_ended"))
    assert project.name in mail.subject
    assert suzuki.username in mail.body
    assert project.project_number in mail.body
    assert "{{" not in mail.body
    if language == "ja":
        assert "このIDは利用を終了しました" in mail.body
    else:
        assert "this user ID has been closed" in mail.body
