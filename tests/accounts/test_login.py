"""Login rules (invariant 4): who may sign in to the portal, what they are told, and the backend
and middleware that apply the rule everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.contrib.messages import get_messages
from django.utils import timezone

from calsreg.accounts.access import account_login_refusal
from calsreg.accounts.backends import login_refusal_of
from calsreg.accounts.middleware import session_refusal
from calsreg.accounts.models import Project, User
from tests.accounts.helpers import PASSWORD, login_request, registered, started
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_YET = "このアカウントはまだ利用できません。「利用開始のお知らせ」メールが届いてからログインしてください。"
CLOSED = "このアカウントは利用を終了しています。ご不明な点はヘルプデスクにお問い合わせください。"
SUSPENDED = (
    "利用料のお支払いが確認できないため、工事の利用を停止しています。"
    "郵送した請求書に記載の振込先へ、お客様番号を付けてお支払いください。"
    "入金が確認でき次第、自動で利用を再開します。ご不明な点はヘルプデスクにお問い合わせください。"
)
NO_PROJECT = "利用中の工事がないため、ログインできません。ご不明な点はヘルプデスクにお問い合わせください。"
NOT_IN_DIRECTORY = (
    "監督員名簿に有効な登録がないため、このアカウントは利用できません。ヘルプデスクにお問い合わせください。"
)
EXPIRED = (
    "初期パスワードの有効期限が切れています。"
    "「パスワードをお忘れの方」から再設定するか、ヘルプデスクにお問い合わせください。"
)
STAFF = "職員の方は、ヘルプデスク業務画面からログインしてください。"


def test_an_active_contractor_and_an_active_supervisor_may_sign_in():
    _project, (tanaka, _suzuki, supervisor) = started()

    assert account_login_refusal(user=tanaka) is None
    assert account_login_refusal(user=supervisor) is None


@pytest.mark.parametrize("role", ["help_desk", "billing_agent", "administrator"])
def test_staff_are_sent_to_the_desk(role):
    assert account_login_refusal(user=UserFactory(role=role)) == STAFF


def test_before_the_start_of_use_the_account_is_not_yet_available():
    _project, (tanaka, _suzuki, supervisor) = registered()

    assert account_login_refusal(user=tanaka) == NOT_YET
    assert account_login_refusal(user=supervisor) == NOT_YET


def test_a_closed_account_says_so():
    _project, (tanaka, _suzuki, _supervisor) = started()
    User.objects.filter(pk=tanaka.pk).update(state="closed")
    tanaka.refresh_from_db()

    assert account_login_refusal(user=tanaka) == CLOSED


def test_a_contractor_whose_projects_are_all_suspended_is_told_to_see_the_invoice():
    # given: one project suspended, one closed
    project, (tanaka, _suzuki, supervisor) = started()
    Project.objects.filter(pk=project.pk).update(status="suspended")

    # then: the contractor is refused, the supervisor (directory-bound) is not
    assert account_login_refusal(user=tanaka) == SUSPENDED
    assert account_login_refusal(user=supervisor) is None


def test_a_contractor_with_only_closed_projects_is_refused():
    project, (tanaka, _suzuki, _supervisor) = started()
    Project.objects.filter(pk=project.pk).update(status="closed")

    assert account_login_refusal(user=tanaka) == NO_PROJECT


def test_a_contractor_with_one_active_project_among_suspended_ones_may_sign_in():
    project, (tanaka, _suzuki, _supervisor) = started()
    Project.objects.filter(pk=project.pk).update(status="suspended")
    other, _accounts = started()
    other.memberships.create(user=tanaka, role="site_agent")

    assert account_login_refusal(user=tanaka) is None


def test_a_supervisor_no_longer_in_the_directory_is_refused():
    _project, (_tanaka, _suzuki, supervisor) = started()
    supervisor.supervisor.active = False
    supervisor.supervisor.save()

    assert account_login_refusal(user=supervisor) == NOT_IN_DIRECTORY


def test_an_initial_password_never_changed_expires():
    _project, (tanaka, _suzuki, _supervisor) = started()
    expires_at = tanaka.initial_password_expires_at

    assert account_login_refusal(user=tanaka, now=expires_at - timedelta(seconds=1)) is None
    assert account_login_refusal(user=tanaka, now=expires_at) == EXPIRED
    tanaka.must_change_password = False
    assert account_login_refusal(user=tanaka, now=expires_at) is None


def test_the_backend_refuses_an_issued_account_even_with_the_right_password():
    # given
    _project, (tanaka, _suzuki, _supervisor) = registered()
    request = login_request()

    # when
    user = authenticate(request, username=tanaka.username, password=PASSWORD)

    # then: refused, and the login page can tell them why
    assert user is None
    assert login_refusal_of(request) == NOT_YET


def test_a_wrong_password_reveals_nothing_about_the_account():
    _project, (tanaka, _suzuki, _supervisor) = registered()
    request = login_request()

    assert authenticate(request, username=tanaka.username, password=PASSWORD + "x") is None
    assert login_refusal_of(request) is None


def test_the_backend_lets_an_active_account_and_staff_in():
    _project, (tanaka, _suzuki, _supervisor) = started()
    staff = UserFactory(username="desk9", role="help_desk")

    assert authenticate(login_request(), username=tanaka.username, password=PASSWORD) == tanaka
    assert authenticate(login_request(), username="desk9", password="correct-horse-battery-staple") == staff


def test_the_backend_refuses_a_suspended_contractor():
    project, (tanaka, _suzuki, _supervisor) = started()
    Project.objects.filter(pk=project.pk).update(status="suspended")
    request = login_request()

    assert authenticate(request, username=tanaka.username, password=PASSWORD) is None
    assert login_refusal_of(request) == SUSPENDED


def test_the_middleware_decides_only_for_signed_in_account_holders():
    project, (tanaka, _suzuki, _supervisor) = started()
    staff = UserFactory(role="help_desk")

    assert session_refusal(user=tanaka) is None
    assert session_refusal(user=staff) is None
    assert session_refusal(user=None) is None
    Project.objects.filter(pk=project.pk).update(status="suspended")
    assert session_refusal(user=tanaka) == SUSPENDED


@pytest.mark.urls("tests.accounts.urls")
def test_a_session_ends_when_its_project_is_suspended(client):
    # given: signed in while the project is in use
    project, (tanaka, _suzuki, _supervisor) = started()
    client.force_login(tanaka)
    assert client.get("/mypage/").status_code == 200

    # when: the project is suspended mid-session
    Project.objects.filter(pk=project.pk).update(status="suspended", suspended_at=timezone.now())
    response = client.get("/mypage/")

    # then: signed out, sent to the login page with the reason
    assert (response.status_code, response["Location"]) == (302, "/mypage/login/")
    assert SESSION_KEY not in client.session
    assert [str(m) for m in get_messages(response.wsgi_request)] == [SUSPENDED]


@pytest.mark.urls("tests.accounts.urls")
def test_an_htmx_request_of_a_refused_session_is_redirected_by_htmx(client):
    project, (tanaka, _suzuki, _supervisor) = started()
    client.force_login(tanaka)
    Project.objects.filter(pk=project.pk).update(status="suspended")

    response = client.get("/mypage/", headers={"HX-Request": "true"})

    assert (response.status_code, response["HX-Redirect"]) == (204, "/mypage/login/")
