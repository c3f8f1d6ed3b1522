"""The desk's actions on one account (issue 11, item 2): each behind a confirmation saying what will
happen, audited, for the help desk and administrators only; mails only to the address on file, and
a reissued password seen by nobody but its recipient (it arrives at the SMTP server apart from the ID)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.template.loader import render_to_string
from django.test import Client

from calsreg.accounts.models import AccountState, LoginIdLock, Role, User
from calsreg.accounts.services.notices import account_password_notice_prepare
from calsreg.events.models import Event
from calsreg.notifications.models import Delivery
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.models import AuditEvent
from tests.accounts.test_lockout import guess, my_page
from tests.factories import UserFactory
from tests.portal.test_mypage import ACCOUNT_ID, PASSWORD, make_account

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC)  # 10:00 in Japan
ON_FILE = "tanaka@echigo-kensetsu.example.co.jp"
ACTIONS = ["unlock", "resend-id", "reissue-password", "force-password-change", "close"]


@pytest.fixture(autouse=True)
def _clock(time_machine, settings):
    settings.LOGIN_ID_FAILURE_LIMIT = 10
    time_machine.move_to(START, tick=False)


def _url(user: User, action: str) -> str:
    return f"/desk/accounts/{user.pk}/{action}/"


def _sent(smtp_server) -> list[tuple[str, str, str]]:
    """The ID and password notices that reached the SMTP server (not the application's receipt)."""
    return [
        (str(m["To"]), str(m["Subject"]), m.get_content())
        for m in smtp_server.messages
        if "ID通知" in str(m["Subject"]) or "パスワード通知" in str(m["Subject"])
    ]


def _holder_signed_in() -> str:
    """tanaka.kqz signed in on my page in a browser of their own; returns the session key."""
    browser = Client()
    browser.post("/mypage/login/", {"username": ACCOUNT_ID, "password": PASSWORD})
    return browser.session.session_key


def _everything() -> tuple:
    """What a refused action must leave as it was."""
    return (
        tuple(
            User.objects.order_by("pk").values_list(
                "pk", "state", "password", "must_change_password", "initial_password_expires_at", "email"
            )
        ),
        tuple(Delivery.objects.order_by("pk").values_list("pk", "kind", "to_address", "status")),
        tuple(LoginIdLock.objects.order_by("pk").values_list("username", "failures", "locked_until")),
        tuple(AccessAttempt.objects.order_by("pk").values_list("ip_address", "failures_since_start")),
        tuple(Session.objects.order_by("session_key").values_list("session_key", flat=True)),
        Event.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_desk_reissues_the_password_to_the_address_on_file_and_never_sees_it(
    desk_client, desk_user, smtp_and_outbox
):
    # given: an active holder signed in on my page (in another browser)
    holder = make_account()
    holder_session = _holder_signed_in()

    # when: the desk opens the confirmation
    html = desk_client.get(_url(holder, "reissue-password")).content.decode()

    # then: it says what happens and where the mail goes; a reason is asked
    assert ON_FILE in html
    assert "「初期パスワードのお知らせ」だけで登録済みのメールアドレスへ届きます" in html
    assert "誰も見ることはできません" in html
    assert 'name="reason"' in html

    # when: it reissues with a reason, and the worker sends the mail
    response = desk_client.post(
        _url(holder, "reissue-password"), {"reason": "初期パスワードのメールを削除した"}
    )
    assert response.status_code == 302
    deliveries_send_due()

    # then: one mail, the password notice, at the address on file; no ID in it
    ((to, subject, body),) = _sent(smtp_and_outbox)
    assert (to, "パスワード通知" in subject) == (ON_FILE, True)
    assert ACCOUNT_ID not in body
    password = re.search(r"初期パスワード：(\S+)", body).group(1)
    # the old password no longer works, the holder's session has ended
    holder.refresh_from_db()
    assert not holder.check_password(PASSWORD) and holder.check_password(password)
    assert holder.must_change_password
    assert not Session.objects.filter(session_key=holder_session).exists()
    assert Event.objects.filter(type="account.sessions_ended", account_id=ACCOUNT_ID).count() == 1
    # audited with the desk user and the reason, the password nowhere the desk can read
    audit = AuditEvent.objects.get(action="account.initial_password_reissued")
    assert (audit.actor, audit.data["reason"], audit.data["sessions_ended"]) == (
        desk_user,
        "初期パスワードのメールを削除した",
        1,
    )
    for url in (f"/desk/accounts/{holder.pk}/", "/desk/outbox/", _url(holder, "reissue-password")):
        assert password not in desk_client.get(url).content.decode()
    # and the holder signs in with it, straight to the forced change
    browser = Client()
    response = browser.post("/mypage/login/", {"username": ACCOUNT_ID, "password": password})
    assert response.status_code == 302 and browser.session["_auth_user_id"] == str(holder.pk)


def test_the_id_notice_is_resent_alone_to_the_address_on_file(desk_client, desk_user, smtp_server):
    holder = make_account()
    password_before = User.objects.get(pk=holder.pk).password

    html = desk_client.get(_url(holder, "resend-id")).content.decode()
    assert "「IDのお知らせ」を、登録済みのメールアドレスへもう一度送ります。" in html
    desk_client.post(_url(holder, "resend-id"))
    deliveries_send_due()

    ((to, subject, body),) = _sent(smtp_server)
    assert (to, "ID通知" in subject, f"ID　　　　：{ACCOUNT_ID}" in body) == (ON_FILE, True, True)
    assert "初期パスワード" not in body and "まだご利用いただけません" not in body  # usable already
    assert User.objects.get(pk=holder.pk).password == password_before
    assert AuditEvent.objects.get(action="account.id_notice_resent").actor == desk_user


def test_a_password_notice_is_never_sent_to_an_address_no_longer_on_file(desk_client):
    # given: a reissue enqueued, then the address on file changed (the call-back change flow)
    holder = make_account()
    desk_client.post(_url(holder, "reissue-password"), {"reason": "紛失"})
    delivery = Delivery.objects.get(kind="account_password_notice")
    User.objects.filter(pk=holder.pk).update(email="new-address@echigo-kensetsu.example.co.jp")
    password_before = User.objects.get(pk=holder.pk).password

    # when / then: the send-time hook refuses; no password is made
    with pytest.raises(RuntimeError, match="not to the address on file"):
        account_password_notice_prepare(delivery=delivery)
    assert User.objects.get(pk=holder.pk).password == password_before


def test_a_forced_change_ends_the_sessions_keeps_the_password_and_no_initial_password_replaces_it(
    desk_client, desk_user
):
    holder = make_account()
    holder_session = _holder_signed_in()

    desk_client.post(_url(holder, "force-password-change"), {"reason": "本人から不正利用の心配"})

    holder.refresh_from_db()
    assert (holder.must_change_password, holder.initial_password_expires_at) == (True, None)
    assert holder.check_password(PASSWORD)
    assert not Session.objects.filter(session_key=holder_session).exists()
    assert AuditEvent.objects.get(action="account.password_change_forced").data == {
        "reason": "本人から不正利用の心配",
        "sessions_ended": 1,
    }
    # an earlier password notice re-sent now must not overwrite the holder's own password
    stale = Delivery.objects.create(
        kind="account_password_notice",
        to_address=ON_FILE,
        subject_type="user",
        subject_id=holder.pk,
        idempotency_key="account_password_notice:stale",
        next_attempt_at=START,
    )
    with pytest.raises(RuntimeError, match="no longer takes an initial password"):
        account_password_notice_prepare(delivery=stale)
    holder.refresh_from_db()
    assert holder.check_password(PASSWORD)


def test_closing_an_account_needs_a_reason_and_signs_the_holder_out_everywhere(
    client, desk_client, desk_user
):
    holder = make_account()
    holder_session = _holder_signed_in()
    before = _everything()

    # a reason is required: nothing happens without one
    response = desk_client.post(_url(holder, "close"), {"reason": ""}, follow=True)
    assert "理由" in response.content.decode()
    assert _everything() == before

    desk_client.post(_url(holder, "close"), {"reason": "退職のため"})

    holder.refresh_from_db()
    assert holder.state == AccountState.CLOSED
    assert not Session.objects.filter(session_key=holder_session).exists()
    assert list(Event.objects.filter(account_id=ACCOUNT_ID).values_list("type", flat=True)) == [
        "account.closed"
    ]
    assert AuditEvent.objects.get(action="account.closed").summary_display == (
        "アカウントを利用終了にしました（理由：退職のため）。"
    )
    # and nothing more applies but what a closed account allows
    assert desk_client.get(_url(holder, "close")).content.decode().count('name="reason"') == 0


def test_the_desk_lifts_a_lockout_behind_a_confirmation(desk_client, desk_user):
    page = my_page()
    guess(Client(), page, "10.0.0.66")
    holder = User.objects.get(username=ACCOUNT_ID)

    html = desk_client.get(_url(holder, "unlock")).content.decode()
    assert "このIDのログイン停止（接続元ごと・ID全体）をすべて解除します。" in html
    desk_client.post(_url(holder, "unlock"))

    assert not AccessAttempt.objects.filter(username=ACCOUNT_ID).exists()
    assert AuditEvent.objects.get(action="account.login_locks_lifted").actor == desk_user


@pytest.mark.parametrize("who", ["anonymous", "billing-agent", "contractor"])
@pytest.mark.parametrize("action", ACTIONS)
def test_the_wrong_role_is_refused_and_nothing_changes(client, who, action):
    # given: a locked-out holder (so every action applies) and someone else at the desk's address
    page = my_page()
    guess(client, page, "10.0.0.66")
    holder = User.objects.get(username=ACCOUNT_ID)
    if who == "billing-agent":
        client.force_login(UserFactory(role=Role.BILLING_AGENT))
    elif who == "contractor":
        other = make_account(username="suzuki.abc")
        other.email = "suzuki@echigo-kensetsu.example.co.jp"
        other.save(update_fields=["email"])
        client.force_login(other)
    before = _everything()

    # when
    page_response = client.get(_url(holder, action))
    response = client.post(_url(holder, action), {"reason": "なりすまし"})

    # then
    expected = 302 if who == "anonymous" else 403
    assert (page_response.status_code, response.status_code) == (expected, expected)
    if who == "anonymous":
        assert response["Location"].startswith("/desk/login/")
    assert _everything() == before


def test_the_buttons_are_the_actions_the_state_allows(desk_client):
    holder = make_account()

    def buttons() -> set[str]:
        holder.refresh_from_db()
        html = render_to_string("desk/accounts/_actions.html", {"account": holder})
        return {action for action in ACTIONS if _url(holder, action) in html}

    assert buttons() == {"resend-id", "reissue-password", "force-password-change", "close"}
    desk_client.post(_url(holder, "force-password-change"))
    assert buttons() == {"resend-id", "reissue-password", "close"}
    desk_client.post(_url(holder, "close"), {"reason": "退職"})
    assert buttons() == set()
