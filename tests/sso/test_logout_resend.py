"""Re-sending failed back-channel logout deliveries (the desk's service), against a real receiver."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult
from oauth2_provider.models import Application

from calsreg.accounts.models import User
from calsreg.accounts.services import project_suspend
from calsreg.core import clock
from calsreg.records.models import AuditEvent
from calsreg.sso.models import LogoutDelivery, LogoutStatus
from calsreg.sso.services import logout_deliveries_resend, sign_in_record
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, desk_actor
from tests.events.helpers import free_port
from tests.sso.helpers import LogoutReceiver, Party, active_holder, logout_token_claims, registered_party

pytestmark = pytest.mark.django_db(transaction=True)

T0 = A_DAY_OF_THE_PERIOD + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _backchannel_settings(settings, live_server):
    # The worker names the issuer from the site's address: the live server's, as discovery does.
    settings.SITE_URL = live_server.url
    settings.EVENTS_WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.EVENTS_WEBHOOK_MAX_ATTEMPTS = 1


@pytest.fixture
def share():
    receiver = LogoutReceiver(port=free_port())
    yield receiver
    receiver.stop()


def _signed_in_and_suspended(
    live_server, share: LogoutReceiver, run_tasks, time_machine
) -> tuple[User, Party]:
    """Tanaka signed in at a party, then the project suspended: one logout delivery, attempted once."""
    tanaka = active_holder()
    party = registered_party(live_server.url, name="情報共有システム", backchannel_logout_uri=share.url)
    application = Application.objects.get(client_id=party.client_id)
    sign_in_record(user=tanaka, application=application, token_family=uuid.uuid4())
    time_machine.move_to(T0, tick=False)
    project = tanaka.memberships.get().project
    project_suspend(
        project=project, actor=desk_actor(), at=clock.now(), summary="test", summary_params={}, data={}
    )
    run_tasks()
    return tanaka, party


def test_a_failed_logout_resent_by_the_desk_reaches_the_party_exactly_once(
    live_server, share, run_tasks, time_machine
):
    # given the party's receiver was down for the only attempt: the logout failed for good
    tanaka, party = _signed_in_and_suspended(live_server, share, run_tasks, time_machine)
    failed = LogoutDelivery.objects.get()
    assert (failed.status, failed.attempts) == (LogoutStatus.FAILED, 1)
    share.start()
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    staff = desk_actor()

    # when the desk re-sends it twice, and the worker runs twice
    assert logout_deliveries_resend(delivery_ids=[failed.pk], actor=staff) == 1
    assert logout_deliveries_resend(delivery_ids=[failed.pk], actor=staff) == 0
    run_tasks()
    run_tasks()

    # then one token arrived, valid, with the delivery's jti; the re-send is on Tanaka's timeline
    [token] = share.tokens
    claims = logout_token_claims(party, token)
    assert claims["jti"] == str(failed.jti)
    assert claims["iat"] == int((T0 + timedelta(hours=1)).timestamp())
    delivery = LogoutDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (LogoutStatus.DELIVERED, 1)
    audit = AuditEvent.objects.get(action="sso.logout_resent")
    assert (audit.actor_id, audit.subject_type, audit.subject_id) == (staff.user.pk, "user", tanaka.pk)
    assert audit.data["logout_delivery"] == failed.pk


def test_resending_a_delivered_logout_changes_nothing_and_sends_nothing(
    live_server, share, run_tasks, time_machine
):
    # given a logout delivered at the first attempt
    share.start()
    _signed_in_and_suspended(live_server, share, run_tasks, time_machine)
    before = list(LogoutDelivery.objects.values())
    assert before[0]["status"] == LogoutStatus.DELIVERED
    tasks_before = DBTaskResult.objects.count()
    audits_before = AuditEvent.objects.count()

    # when someone re-sends it, and the worker runs
    resent = logout_deliveries_resend(delivery_ids=[before[0]["id"]], actor=desk_actor())
    run_tasks()

    # then nothing was re-queued, changed, enqueued, audited or sent again
    assert resent == 0
    assert list(LogoutDelivery.objects.values()) == before
    assert DBTaskResult.objects.count() == tasks_before
    assert AuditEvent.objects.count() == audits_before
    assert len(share.tokens) == 1
