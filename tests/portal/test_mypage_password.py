"""My page passwords: the change (forced at first login, with the rules' messages) and "forgot password"."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from calsreg.accounts.models import PasswordHistory, User
from calsreg.accounts.services.notices import account_password_reset_prepare
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import reset_requests_process
from tests.portal.test_mypage import ACCOUNT_ID, LOGIN, PASSWORD, make_account

pytestmark = pytest.mark.django_db

CHANGE = "/mypage/password/"
RESET = "/mypage/password/reset/"
NEW_PASSWORD = "Echigo-Heiya-Rice-77"
EMAIL = "tanaka@echigo-kensetsu.example.co.jp"
SENT = "入力されたIDとメールアドレスが登録内容と一致する場合は、パスワード再設定用のリンクをメールでお送りしました。"
LINK_USED = (
    "このパスワード再設定用リンクは使用済みか、有効期限が切れています。"
    "もう一度「パスワードをお忘れの方」からお手続きください。"
)


@pytest.fixture
def first_login(client):
    """An active account on its first login: signed in, the initial password still to change."""
    user = make_account(must_change_password=True)
    client.post(LOGIN, {"username": ACCOUNT_ID, "password": PASSWORD})
    return user


def _change(client, old=PASSWORD, new=NEW_PASSWORD, again=None):
    body = {"old_password": old, "new_password1": new, "new_password2": new if again is None else again}
    return client.post(CHANGE, body)


def _errors_of(html: str, field: str) -> str:
    """The error block tied to one input (``aria-describedby`` points to it)."""
    start = html.index(f'<div id="id_{field}-error">')
    return html[start : html.index("</div>", start)]


def test_the_change_page_lists_the_rules_and_ties_them_to_the_new_password(client, first_login):
    html = client.get(CHANGE).content.decode()

    assert "<li>12文字以上にしてください（英字・数字・記号を組み合わせると安全です）。</li>" in html
    assert "<li>IDの文字列（「.」より前の部分）を含めないでください。</li>" in html
    assert "<li>最近使ったパスワード（直近5回分）は使えません。</li>" in html
    assert 'autocomplete="current-password" aria-required="true">' in html
    assert (
        'name="new_password1" id="id_new_password1" autocomplete="new-password" aria-required="true" '
        'aria-describedby="password-rules ">'
    ) in html


def test_the_forced_change_sets_the_password_and_opens_my_page(client, first_login):
    response = _change(client)

    assert (response.status_code, response["Location"]) == (302, "/mypage/")
    user = User.objects.get(pk=first_login.pk)
    assert user.check_password(NEW_PASSWORD)
    assert (user.must_change_password, user.initial_password_expires_at) == (False, None)
    assert "_auth_user_id" in client.session  # still signed in with the new password
    assert AuditEvent.objects.filter(action="account.password_changed", actor_label=ACCOUNT_ID).count() == 1
    page = client.get("/mypage/")
    assert page.status_code == 200
    assert "パスワードを変更しました。" in page.content.decode()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"new": "Short-1"}, "new_password1", "このパスワードは短すぎます。最低 12 文字以上必要です。"),
        ({"new": "tanaka-Shinano-2026"}, "new_password1", "パスワードにIDの文字列を含めることはできません。"),
        ({"new": "384729104857362"}, "new_password1", "このパスワードは数字しか使われていません。"),
        ({"new": PASSWORD}, "new_password1", "最近使ったパスワード（直近5回分）は使えません。"),
        ({"old": "not-the-password"}, "old_password", "現在のパスワードが正しくありません。"),
        (
            {"again": "Echigo-Heiya-Rice-78"},
            "new_password2",
            "確認のため、同じパスワードをもう一度入力してください。",
        ),
    ],
    ids=["short", "contains-id", "digits-only", "reused", "wrong-current", "mismatch"],
)
def test_a_refused_change_names_the_rule_under_its_field_and_changes_nothing(
    client, first_login, body, field, message
):
    before = (User.objects.get(pk=first_login.pk).password, PasswordHistory.objects.count())

    response = _change(client, **body)

    html = response.content.decode()
    assert response.status_code == 200
    assert message in _errors_of(html, field)
    assert f'id="id_{field}" autocomplete=' in html and 'aria-invalid="true"' in html
    assert 'value="' + NEW_PASSWORD + '"' not in html  # passwords are never sent back
    user = User.objects.get(pk=first_login.pk)
    assert (user.password, PasswordHistory.objects.count()) == before
    assert user.must_change_password is True
    assert not AuditEvent.objects.filter(action="account.password_changed").exists()


def test_the_change_page_needs_a_signed_in_account_holder(client):
    response = client.get(CHANGE)

    assert (response.status_code, response["Location"]) == (302, "/mypage/login/?next=/mypage/password/")


# --- forgotten password --------------------------------------------------------------------------


def _reset_link(user) -> str:
    (delivery,) = Delivery.objects.filter(kind="account_password_reset", subject_id=user.pk)
    # The send-time hook makes the link (never stored); the mail's text is the accounts' concern.
    url = account_password_reset_prepare(delivery=delivery)["reset_url"]
    return urlsplit(url).path


@pytest.mark.parametrize(
    "body",
    [{"username": ACCOUNT_ID, "email": "someone@example.jp"}, {"username": "nobody.xyz", "email": EMAIL}],
    ids=["wrong-email", "unknown-id"],
)
def test_a_reset_request_that_does_not_match_gets_the_same_page_and_no_mail(client, body):
    make_account()

    response = client.post(RESET, body, follow=True)

    assert response.redirect_chain == [("/mypage/password/reset/sent/", 302)]
    assert SENT in response.content.decode()
    assert reset_requests_process() == 1
    assert not Delivery.objects.filter(kind="account_password_reset").exists()


def _same_shape(sql: str) -> str:
    """A statement with its values taken out: what work it does, not on which values."""
    return re.sub(r"\b\d+\b", "?", re.sub(r"'(?:[^']|'')*'", "?", sql))


def test_a_reset_request_gets_the_same_answer_after_the_same_work_whether_or_not_the_id_exists(client):
    # given: a real ID, the real ID with another address, and an ID nobody has
    user = make_account()
    bodies = {
        "real": {"username": ACCOUNT_ID, "email": EMAIL},
        "wrong-email": {"username": ACCOUNT_ID, "email": "someone@example.jp"},
        "unknown-id": {"username": "nobody.xyz", "email": EMAIL},
    }
    answers, work = {}, {}

    # when
    for name, body in bodies.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.post(RESET, body)
        answers[name] = (
            response.status_code,
            response["Location"],
            response.content,
            sorted(response.headers),
        )
        work[name] = [_same_shape(query["sql"]) for query in queries]

    # then: the same answer and the same statements (one task row queued), so nothing to time apart
    assert answers["real"] == answers["wrong-email"] == answers["unknown-id"]
    assert work["real"] == work["wrong-email"] == work["unknown-id"]
    assert len(work["real"]) == 1 and work["real"][0].startswith(
        'INSERT INTO "django_tasks_database_dbtaskresult"'
    )
    assert not Delivery.objects.filter(kind="account_password_reset").exists()
    # and the worker mails only the real ID's registered address
    assert reset_requests_process() == 3
    assert list(
        Delivery.objects.filter(kind="account_password_reset").values_list("to_address", "subject_id")
    ) == [(EMAIL, user.pk)]


@pytest.mark.django_db(transaction=True)
def test_the_worker_mails_the_link_for_a_queued_reset_request(client, run_tasks):
    make_account()
    client.post(RESET, {"username": ACCOUNT_ID, "email": EMAIL})

    run_tasks()

    (sent,) = [m for m in mail.outbox if "/mypage/password/reset/" in m.body]
    assert sent.to == [EMAIL]


def test_a_matching_reset_request_mails_a_link_that_sets_the_password_once(client):
    user = make_account(must_change_password=True)

    response = client.post(RESET, {"username": "TANAKA.KQZ", "email": EMAIL.upper()}, follow=True)

    assert SENT in response.content.decode()
    reset_requests_process()
    assert Delivery.objects.get(kind="account_password_reset").to_address == EMAIL
    link = _reset_link(user)
    assert link.startswith("/mypage/password/reset/")
    form = client.get(link).content.decode()
    assert "<h1>新しいパスワードの設定</h1>" in form and 'id="password-rules"' in form

    weak = client.post(link, {"new_password1": "Short-1", "new_password2": "Short-1"})
    assert "このパスワードは短すぎます。最低 12 文字以上必要です。" in weak.content.decode()
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)  # a refused password keeps the link

    done = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert done.redirect_chain == [("/mypage/password/reset/done/", 302)]
    assert "新しいパスワードでログインしてください。" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and user.must_change_password is False

    again = client.post(
        link, {"new_password1": "Another-Rice-Field-9", "new_password2": "Another-Rice-Field-9"}
    )
    assert again.status_code == 404
    assert LINK_USED in again.content.decode()
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)


def test_a_forged_reset_link_is_refused(client):
    user = make_account()
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    other = make_account(username="suzuki.abc")
    token_of_other = default_token_generator.make_token(other)

    response = client.get(f"{RESET}{uidb64}/{token_of_other}/")

    assert response.status_code == 404
    assert LINK_USED in response.content.decode()
