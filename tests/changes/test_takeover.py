"""An account takeover by a change request: someone asks to move a user's (or the applicant's) e-mail
address to their own. The help desk calls back the number on file, the real person denies it, and:
the request is rejected as suspected impersonation; the account, its address, its password hash and
its sessions are exactly as they were (the user stays signed in); the OLD address is told of the
attempt; the attacker's address receives nothing, ever.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from calsreg.accounts.models import Role, User
from calsreg.applications.models import Application
from calsreg.changes.models import ChangeStatus
from calsreg.changes.services import change_request_apply
from calsreg.core.errors import InvalidTransition
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from calsreg.verification.models import CallOutcome
from tests.accounts.helpers import PASSWORD, started
from tests.changes.callback_helpers import DURING_THE_WORKS, call_back, file_change, mails_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "takeover@evil.example.net"


@pytest.fixture(autouse=True)
def _during_the_works(time_machine) -> None:
    time_machine.move_to(DURING_THE_WORKS, tick=False)


@pytest.fixture
def desk() -> Actor:
    return Actor.staff(UserFactory(role=Role.HELP_DESK, username="helpdesk1"))


def _signed_in(client, user: User) -> str:
    """Sign ``user`` in through my page's login form; return the session key."""
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    response = client.post("/mypage/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get("/mypage/").status_code == 200
    return client.session.session_key


def _account_state(user: User) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (
        user.username,
        user.email,
        user.password,
        user.state,
        user.is_active,
        user.phone,
        user.display_name,
    )


def test_a_denied_call_back_keeps_a_users_email_password_and_session(client, desk):
    project, accounts = started()
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    old_email = suzuki.email
    session_key = _signed_in(client, suzuki)
    before = _account_state(suzuki)

    # Filed anonymously on the portal, in the victim's name, with the attacker's number on the form.
    change = file_change(
        project,
        {"field": "user.email", "target": suzuki.username, "value": ATTACKER},
        requester_name="鈴木 次郎",
        requester_phone="080-0000-1111",
        requester_email=ATTACKER,
    )
    assert change.status == ChangeStatus.SUBMITTED

    # The desk calls the number ON FILE for the account: the real person never asked for it.
    call = call_back(
        change, actor=desk, contact=suzuki.username, outcome=CallOutcome.DENIED, note="本人は申込していない"
    )
    assert call.phone_number == suzuki.phone != "080-0000-1111"

    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert change.impersonation_suspected is True
    with pytest.raises(InvalidTransition):
        change_request_apply(request=change, actor=desk)
    # The account, its address and its password hash: unchanged. Its session: still signed in.
    assert _account_state(suzuki) == before
    assert Session.objects.filter(session_key=session_key).exists()
    assert client.get("/mypage/").status_code == 200
    assert client.session.session_key == session_key
    # The old address hears of the attempt; the attacker's address hears nothing at all.
    assert "account_email_change_refused" in mails_to(old_email)
    refused = Delivery.objects.get(kind="account_email_change_refused")
    assert ATTACKER not in str(refused.context)  # masked, never written out in full
    assert mails_to(ATTACKER) == []
    assert not AuditEvent.objects.filter(action="account.contact_corrected").exists()


def test_a_denied_call_back_keeps_the_applicants_email_and_tells_the_old_address(client, desk):
    project, accounts = started()
    application = Application.objects.get(pk=project.application_id)
    old_email = application.applicant_email
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    session_key = _signed_in(client, tanaka)
    before = _account_state(tanaka)

    change = file_change(
        project,
        {"field": "applicant_email", "value": ATTACKER},
        {"field": "applicant_phone", "value": "080-0000-1111"},
        requester_phone="080-0000-1111",
        requester_email=ATTACKER,
    )
    call = call_back(change, actor=desk, contact="applicant", outcome=CallOutcome.DENIED)
    assert call.phone_number == application.applicant_phone == "090-1234-5678"

    change.refresh_from_db()
    assert (change.status, change.impersonation_suspected) == (ChangeStatus.REJECTED, True)
    application.refresh_from_db()
    assert (application.applicant_email, application.applicant_phone) == (old_email, "090-1234-5678")
    assert _account_state(tanaka) == before
    assert Session.objects.filter(session_key=session_key).exists()
    assert client.get("/mypage/").status_code == 200
    assert "change_email_attempt" in mails_to(old_email)
    attempt = Delivery.objects.get(kind="change_email_attempt")
    assert ATTACKER not in str(attempt.context)
    assert mails_to(ATTACKER) == []
    assert not AuditEvent.objects.filter(action="registration.field_changed").exists()


def test_a_takeover_attempt_by_my_page_filing_is_refused_the_same_way(client, desk):
    """Even filed from a signed-in account (a stolen password), the call-back decides."""
    project, accounts = started()
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    before = _account_state(suzuki)

    change = file_change(
        project,
        {"field": "user.email", "target": suzuki.username, "value": ATTACKER},
        channel="my_page",
        filed_by=tanaka,
    )
    call_back(change, actor=desk, contact=suzuki.username, outcome=CallOutcome.DENIED)

    change.refresh_from_db()
    assert change.impersonation_suspected and change.status == ChangeStatus.REJECTED
    assert _account_state(suzuki) == before
    assert "account_email_change_refused" in mails_to(suzuki.email)
    assert mails_to(ATTACKER) == []
