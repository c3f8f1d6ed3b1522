"""My page: sign-in refusals by account state, the generic wrong-password message, lockout, the forced
password change, and the page itself."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calsreg.accounts.models import Membership, Project, User
from calsreg.applications.models import Channel
from calsreg.applications.services import application_submit, submission_as_evidence
from calsreg.applications.validation import validate_application
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, UserFactory, valid_payload

pytestmark = pytest.mark.django_db

LOGIN = "/mypage/login/"
PASSWORD = "Shinano-Gawa-2026"
ACCOUNT_ID = "tanaka.kqz"
WRONG = "IDまたはパスワードが正しくありません。続けて間違えると、しばらくログインできなくなります。"
NOT_YET = "このアカウントはまだ利用できません。「利用開始のお知らせ」メールが届いてからログインしてください。"
SUSPENDED = (
    "利用料のお支払いが確認できないため、工事の利用を停止しています。"
    "郵送した請求書に記載の振込先へ、お客様番号を付けてお支払いください。"
    "入金が確認でき次第、自動で利用を再開します。ご不明な点はヘルプデスクにお問い合わせください。"
)
CLOSED = "このアカウントは利用を終了しています。ご不明な点はヘルプデスクにお問い合わせください。"
STAFF = "職員の方は、ヘルプデスク業務画面からログインしてください。"
EXPIRED = (
    "初期パスワードの有効期限が切れています。"
    "「パスワードをお忘れの方」から再設定するか、ヘルプデスクにお問い合わせください。"
)


def make_project(*, status: str = "active", supervisor=None) -> Project:
    """A registered project (built with the models: registration is tested in tests/accounts)."""
    supervisor = supervisor or SupervisorFactory()
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    application = application_submit(
        data=validate_application(raw, require_directory_supervisors=True),
        channel=Channel.WEB,
        actor=Actor.applicant(raw["applicant_email"]),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
    )
    started = status in {"active", "suspended", "closed"}
    return Project.objects.create(
        application=application,
        office=application.office,
        project_number=application.project_number,
        name=application.project_name,
        location=application.project_location,
        period_start=application.period_start,
        period_end=application.period_end,
        contract_amount=application.contract_amount,
        contractor_name=application.contractor_name,
        status=status,
        started_at=timezone.make_aware(timezone.datetime(2026, 12, 1, 9, 0)) if started else None,
        service_starts_on=None if started else date(2026, 12, 1),
    )


def make_account(
    *,
    username: str = ACCOUNT_ID,
    state: str = "active",
    project_status: str | None = "active",
    role: str = "contractor",
    must_change_password: bool = False,
    supervisor=None,
) -> User:
    user = User(
        username=username,
        role=role,
        state=state,
        display_name="田中 一郎",
        kana="タナカ イチロウ",
        email="tanaka@echigo-kensetsu.example.co.jp",
        phone="090-1234-5678",
        supervisor=supervisor,
        must_change_password=must_change_password,
        initial_password_expires_at=timezone.now() + timedelta(days=14) if must_change_password else None,
    )
    user.set_password(PASSWORD)
    user.save()
    if project_status is not None:
        project = make_project(status=project_status, supervisor=supervisor)
        member_role = "chief_supervisor" if role == "supervisor" else "site_agent"
        Membership.objects.create(project=project, user=user, role=member_role)
    return user


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _login(client, username=ACCOUNT_ID, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_the_login_page_has_labelled_inputs_with_autocomplete(client):
    html = client.get(LOGIN).content.decode()

    assert '<label for="id_username">ID</label>' in html
    assert (
        '<input type="text" name="username" id="id_username" value="" autocomplete="username" '
        'autocapitalize="none" spellcheck="false" aria-required="true" aria-describedby="id_username-help ">'
    ) in html
    assert 'name="password" id="id_password" autocomplete="current-password" aria-required="true">' in html
    assert '<a href="/mypage/password/reset/">パスワードをお忘れの方</a>' in html
    assert '<a class="nav-account" href="/mypage/login/" aria-current="page">ログイン</a>' in html


def test_an_active_account_with_an_active_project_reaches_my_page(client):
    user = make_account()

    response = _login(client)

    assert (response.status_code, response["Location"]) == (302, "/mypage/")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_id_may_be_typed_in_capitals_or_full_width(client):
    make_account()

    response = _login(client, username="ＴＡＮＡＫＡ．ＫＱＺ")

    assert response.status_code == 302
    assert _signed_in(client)


@pytest.mark.parametrize(
    ("account", "message"),
    [
        ({"state": "issued", "project_status": "provisioned"}, NOT_YET),
        ({"state": "active", "project_status": "suspended"}, SUSPENDED),
        ({"state": "closed", "project_status": "closed"}, CLOSED),
    ],
    ids=["issued", "suspended-project", "closed"],
)
def test_a_right_password_on_an_unusable_account_says_why_and_does_not_sign_in(client, account, message):
    user = make_account(**account)
    last_login = user.last_login

    response = _login(client)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<div class="alert alert-error" role="alert" id="form-errors"><p>{message}</p></div>' in html
    assert not _signed_in(client)
    user.refresh_from_db()
    assert user.last_login == last_login


def test_an_expired_initial_password_says_so_and_does_not_sign_in(client):
    user = make_account(must_change_password=True)
    User.objects.filter(pk=user.pk).update(initial_password_expires_at=timezone.now() - timedelta(minutes=1))

    html = _login(client).content.decode()

    assert EXPIRED in html
    assert not _signed_in(client)


def test_staff_are_sent_to_the_desk(client):
    UserFactory(username="desk1", role="help_desk", password=PASSWORD)

    html = _login(client, username="desk1").content.decode()

    assert STAFF in html
    assert not _signed_in(client)


def test_a_supervisor_in_the_directory_reaches_my_page(client):
    supervisor = SupervisorFactory()
    make_account(username="kantoku.abc", role="supervisor", supervisor=supervisor)

    response = _login(client, username="kantoku.abc")

    assert (response.status_code, response["Location"]) == (302, "/mypage/")


@pytest.mark.parametrize(
    ("username", "state"),
    [(ACCOUNT_ID, "active"), (ACCOUNT_ID, "issued"), (ACCOUNT_ID, "closed"), ("nobody.xyz", "active")],
)
def test_a_wrong_password_or_unknown_id_gets_one_generic_message(client, username, state):
    make_account(state=state)

    html = _login(client, username=username, password="not-the-password").content.decode()

    assert f'<div class="alert alert-error" role="alert" id="form-errors"><p>{WRONG}</p></div>' in html
    for revealing in (NOT_YET, CLOSED, SUSPENDED):
        assert revealing not in html
    assert f'value="{username}"' in html  # the ID is kept; the password never is
    assert 'value="not-the-password"' not in html
    assert not _signed_in(client)


def test_repeated_failures_lock_the_id_with_a_page_saying_what_to_do(client, settings):
    make_account()
    responses = [_login(client, password=f"wrong-{n}") for n in range(settings.AXES_FAILURE_LIMIT)]

    locked = _login(client)  # even the right password now

    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    html = locked.content.decode()
    assert locked.status_code == 429
    assert "ログインを一時停止しています" in html
    assert f"パスワードを{settings.AXES_FAILURE_LIMIT}回続けて間違えたため" in html
    assert "30分ほど待ってから、もう一度ログインしてください。" in html
    assert "ヘルプデスク（受注者・監督員の方）に連絡してください。" in html
    assert (
        "利用申込・登録ポータル" in html and "このIDでのログインを一時的に停止しました。" in html
    )  # portal layout
    assert not _signed_in(client)


def test_my_page_shows_projects_and_account_details(client):
    make_account()
    client.post(LOGIN, {"username": ACCOUNT_ID, "password": PASSWORD})

    html = client.get("/mypage/").content.decode()

    assert "<h1>マイページ</h1>" in html
    assert '<th scope="row">信濃川護岸設置工事</th>' in html
    assert "<td>R8-新潟-土木-0123</td>" in html
    assert "<td>現場代理人</td>" in html
    assert '<span class="badge project-active">利用中</span>' in html
    assert "<td>2026年12月1日(火)</td>" in html
    assert f'<dd class="account-id">{ACCOUNT_ID}</dd>' in html
    assert "<dd>tanaka@echigo-kensetsu.example.co.jp</dd>" in html
    assert "<dd>090-1234-5678</dd>" in html
    assert "<dd>受注者</dd>" in html
    assert '<form method="post" action="/mypage/logout/">' in html
    assert '<a class="nav-account" href="/mypage/" aria-current="page">マイページ</a>' in html


def test_my_page_lists_only_the_holders_own_projects(client):
    make_account()
    other = make_account(username="suzuki.abc")
    Project.objects.filter(memberships__user=other).update(name="他社の工事")
    client.post(LOGIN, {"username": ACCOUNT_ID, "password": PASSWORD})

    html = client.get("/mypage/").content.decode()

    assert "他社の工事" not in html
    assert html.count('<th scope="row">') == 1


def test_my_page_needs_a_signed_in_account_holder(client):
    response = client.get("/mypage/")
    assert (response.status_code, response["Location"]) == (302, "/mypage/login/?next=/mypage/")

    client.force_login(UserFactory(role="help_desk"))
    refused = client.get("/mypage/")
    assert refused.status_code == 403
    assert STAFF in refused.content.decode()


def test_an_account_suspended_during_the_session_is_signed_out_with_the_reason(client):
    make_account()
    _login(client)
    Project.objects.update(status="suspended")

    response = client.get("/mypage/", follow=True)

    assert response.redirect_chain[-1][0] == "/mypage/login/"
    assert SUSPENDED in response.content.decode()
    assert not _signed_in(client)


def test_sign_out_is_post_only_and_ends_the_session(client):
    make_account()
    _login(client)

    assert client.get("/mypage/logout/").status_code == 405
    response = client.post("/mypage/logout/", follow=True)

    assert response.redirect_chain == [("/mypage/login/", 302)]
    assert "ログアウトしました。" in response.content.decode()
    assert not _signed_in(client)


@pytest.mark.parametrize("url", ["/mypage/", "/mypage/login/"])
def test_a_first_login_must_change_the_password_before_anything_else(client, url):
    make_account(must_change_password=True)
    first = _login(client)
    assert first["Location"] == "/mypage/"

    response = client.get(url, follow=True)

    assert response.redirect_chain[-1] == ("/mypage/password/", 302)
    html = response.content.decode()
    assert "初めてログインしたため、パスワードの変更が必要です。" in html
    assert "変更せずにマイページへ戻る" not in html


def test_my_page_needs_the_same_queries_however_many_projects(client):
    user = make_account()
    _login(client)
    with CaptureQueriesContext(connection) as one:
        client.get("/mypage/")
    for _ in range(3):
        Membership.objects.create(project=make_project(), user=user, role="engineer")

    with CaptureQueriesContext(connection) as four:
        html = client.get("/mypage/").content.decode()

    assert html.count('<th scope="row">') == 4
    assert len(four.captured_queries) == len(one.captured_queries)
