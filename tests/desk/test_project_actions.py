"""Suspending a project by hand and reinstating it at the desk (issue 11, item 3): reason required,
audited, the members signed out like the payment rule's suspension — and the two causes held apart,
so a payment never lifts the desk's suspension and the desk never lifts the payment rule's."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.template.loader import render_to_string

from calsreg.accounts.access import account_login_refusal
from calsreg.accounts.models import Project, ProjectStatus, Role, User
from calsreg.billing.services import billing_suspension_sweep
from calsreg.events.models import Event
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import started
from tests.billing.dunning_helpers import SITE_AGENT_EMAIL, posted_invoice
from tests.billing.invoice_helpers import jst
from tests.billing.test_dunning import SUSPENDED_MESSAGE, _pay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HAND_SUSPENDED = "工事の利用を停止しています。ご不明な点はヘルプデスクにお問い合わせください。"
REASON = "監督員からの指示（2027年2月1日 電話）"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    # A day of the project's use; tests about February's invoice travel on from here.
    time_machine.move_to(jst(2027, 1, 10, 10), tick=False)


def _suspend_url(project: Project) -> str:
    return f"/desk/projects/{project.pk}/suspend/"


def _reinstate_url(project: Project) -> str:
    return f"/desk/projects/{project.pk}/reinstate/"


def _state(project: Project) -> tuple:
    project.refresh_from_db()
    return (project.status, project.suspended_by_hand, project.suspended_for_payment)


def _started_project() -> Project:
    with time_machine.travel(jst(2026, 12, 7, 10), tick=False):
        project, _accounts = started()
    User.objects.filter(memberships__project=project).update(must_change_password=False)
    return project


def _everything(project: Project, *, sessions: bool = True) -> tuple:
    project.refresh_from_db()
    return (
        tuple(
            Project.objects.order_by("pk").values_list(
                "status",
                "suspended_at",
                "suspended_by_hand",
                "suspended_for_payment",
                "hand_suspension_reason",
            )
        ),
        Event.objects.count(),
        AuditEvent.objects.count(),
        Delivery.objects.count(),
        Session.objects.count() if sessions else None,
    )


def test_the_confirmation_says_what_will_happen_and_a_hand_suspension_signs_everyone_out(client):
    # given: a project in use, its site agent signed in on my page
    project = _started_project()
    tanaka = User.objects.get(username__startswith="tanaka.")
    desk = UserFactory(role=Role.HELP_DESK, username="uketsuke")
    with time_machine.travel(jst(2027, 1, 10, 10), tick=False):
        client.force_login(desk)  # inside the travel: a session made at the real time may have expired
        # when: the desk opens the confirmation
        html = client.get(_suspend_url(project)).content.decode()

        # then: whom it concerns and what it does, and a reason field
        assert project.project_number in html
        assert "この工事の3人は、ログインできなくなります。" in html
        assert "入金があっても自動では再開しません。" in html
        assert 'name="reason"' in html

        # when: it suspends with a reason
        response = client.post(_suspend_url(project), {"reason": REASON}, follow=True)

    # then: suspended by hand, the reason kept and audited, the members refused with the desk's message
    assert "工事の利用を手動で停止しました。" in response.content.decode()
    assert _state(project) == (ProjectStatus.SUSPENDED, True, False)
    assert project.hand_suspension_reason == REASON
    assert project.suspended_at == jst(2027, 1, 10, 10)
    audit = AuditEvent.objects.get(action="project.suspended")
    assert (audit.actor, audit.data) == (desk, {"reason": REASON, "cause": "hand", "causes": ["hand"]})
    assert audit.summary_display == f"手動で利用を停止しました（理由：{REASON}）。"
    # the same event as the payment rule's: it drives the relying parties' back-channel logout
    assert list(Event.objects.filter(type="project.suspended").values_list("project_number", flat=True)) == [
        project.project_number
    ]
    assert account_login_refusal(user=tanaka) == HAND_SUSPENDED
    assert not Delivery.objects.filter(kind="project_suspended").exists()


def test_the_reason_is_required_and_nothing_changes_without_it(desk_client, desk_user):
    project = _started_project()
    before = _everything(project)

    response = desk_client.post(_suspend_url(project), {"reason": "  "}, follow=True)

    assert "理由" in response.content.decode()
    assert _everything(project) == before
    assert _state(project) == (ProjectStatus.ACTIVE, False, False)


@pytest.mark.parametrize("who", ["anonymous", "billing-agent", "contractor"])
@pytest.mark.parametrize("action", ["suspend", "reinstate"])
def test_the_wrong_role_is_refused_and_nothing_changes(client, who, action):
    # given: a project in use (to suspend) or suspended by hand (to reinstate)
    project = _started_project()
    if action == "reinstate":
        client.force_login(UserFactory(role=Role.HELP_DESK))
        client.post(_suspend_url(project), {"reason": REASON})
        client.logout()
    if who == "billing-agent":
        client.force_login(UserFactory(role=Role.BILLING_AGENT))
    elif who == "contractor":
        client.force_login(User.objects.get(username__startswith="tanaka."))
    # a contractor's own session ends when the middleware sees the project suspended: not counted
    sessions = who != "contractor"
    before = _everything(project, sessions=sessions)
    url = _suspend_url(project) if action == "suspend" else _reinstate_url(project)

    # when
    page = client.get(url)
    response = client.post(url, {"reason": REASON})

    # then
    # (a contractor of a suspended project is signed out by the middleware before the desk refuses)
    to_login = who == "anonymous" or (who == "contractor" and action == "reinstate")
    expected = 302 if to_login else 403
    assert (page.status_code, response.status_code) == (expected, expected)
    if to_login:
        assert "/login/" in response["Location"]
    assert _everything(project, sessions=sessions) == before


def test_a_payment_does_not_lift_the_desks_suspension(desk_client, desk_user):
    # given: suspended for payment on 2 February, then by hand as well
    project, invoice = posted_invoice()
    with time_machine.travel(jst(2027, 2, 2, 3), tick=False):
        assert billing_suspension_sweep() == 1
    with time_machine.travel(jst(2027, 2, 2, 10), tick=False):
        desk_client.force_login(desk_user)
        html = desk_client.get(_suspend_url(project)).content.decode()
        assert "未入金による利用停止" in html
        desk_client.post(_suspend_url(project), {"reason": REASON})
    assert _state(project) == (ProjectStatus.SUSPENDED, True, True)
    assert AuditEvent.objects.get(action="project.suspension_cause_added").data["causes"] == [
        "hand",
        "payment",
    ]
    assert Event.objects.filter(type="project.suspended").count() == 1  # they were signed out already

    # when: the invoice is paid in full
    _pay(invoice)

    # then: the payment rule's cause is gone, the desk's holds; no reinstatement notice; the timeline says so
    assert _state(project) == (ProjectStatus.SUSPENDED, True, False)
    lifted = AuditEvent.objects.get(action="project.suspension_cause_lifted")
    assert lifted.summary_display == (
        f"未入金による利用停止は解けましたが、手動の利用停止（理由：{REASON}）が続くため、利用停止中のままです。"
    )
    assert not Delivery.objects.filter(kind="project_reinstated").exists()
    assert not Event.objects.filter(type="project.reinstated").exists()
    assert account_login_refusal(user=User.objects.get(email=SITE_AGENT_EMAIL)) == HAND_SUSPENDED

    # when: the desk reinstates
    with time_machine.travel(jst(2027, 2, 4, 10), tick=False):
        desk_client.force_login(desk_user)
        response = desk_client.post(_reinstate_url(project), {"reason": "監督員の了承"}, follow=True)

    # then: in use again
    assert "手動の利用停止を解除しました。" in response.content.decode()
    assert _state(project) == (ProjectStatus.ACTIVE, False, False)
    assert project.hand_suspension_reason == ""
    assert Event.objects.filter(type="project.reinstated").count() == 1
    assert account_login_refusal(user=User.objects.get(email=SITE_AGENT_EMAIL)) is None


def test_the_desks_reinstatement_does_not_lift_the_payment_rule_and_says_so(desk_client, desk_user):
    # given: suspended by hand on 1 February; the payment rule suspends it too the next day
    project, invoice = posted_invoice()
    with time_machine.travel(jst(2027, 2, 1, 10), tick=False):
        desk_client.force_login(desk_user)
        desk_client.post(_suspend_url(project), {"reason": REASON})
    with time_machine.travel(jst(2027, 2, 2, 3), tick=False):
        assert billing_suspension_sweep() == 1
    assert _state(project) == (ProjectStatus.SUSPENDED, True, True)

    with time_machine.travel(jst(2027, 2, 2, 10), tick=False):
        desk_client.force_login(desk_user)
        # when: the desk opens the reinstatement
        html = desk_client.get(_reinstate_url(project)).content.decode()
        # then: it says the payment rule's suspension stays
        assert "未入金の請求書による利用停止が続くため、利用停止中のままです" in html

        # when: it reinstates
        response = desk_client.post(_reinstate_url(project), {"reason": "監督員の了承"}, follow=True)

    # then: still suspended, for payment only, and both the page and the timeline say so
    assert "未入金による利用停止が続いています。" in response.content.decode()
    assert _state(project) == (ProjectStatus.SUSPENDED, False, True)
    lifted = AuditEvent.objects.get(action="project.suspension_cause_lifted")
    assert lifted.summary_display == (
        "手動の利用停止を解除しました（理由：監督員の了承）が、期限を過ぎた未入金の請求書による"
        "利用停止が続くため、利用停止中のままです。"
    )
    assert account_login_refusal(user=User.objects.get(email=SITE_AGENT_EMAIL)) == SUSPENDED_MESSAGE
    assert not Event.objects.filter(type="project.reinstated").exists()

    # when: the invoice is paid, the payment rule reinstates on its own
    _pay(invoice, day=date(2027, 2, 3))
    assert _state(project) == (ProjectStatus.ACTIVE, False, False)
    assert Delivery.objects.filter(kind="project_reinstated").exists()


def test_reinstating_a_project_not_suspended_by_hand_is_refused_and_changes_nothing(desk_client, desk_user):
    project, _invoice = posted_invoice()
    with time_machine.travel(jst(2027, 2, 2, 3), tick=False):
        billing_suspension_sweep()
    with time_machine.travel(jst(2027, 2, 2, 10), tick=False):
        desk_client.force_login(desk_user)
        before = _everything(project)
        html = desk_client.get(_reinstate_url(project)).content.decode()
        response = desk_client.post(_reinstate_url(project), {"reason": "入金の約束"}, follow=True)

    assert "この工事は手動で利用停止されていません。" in html and 'name="reason"' not in html
    assert "この工事は手動で利用停止されていないため、再開できません。" in response.content.decode()
    assert _everything(project) == before


def test_the_action_buttons_follow_the_services_rules(desk_client, desk_user):
    project = _started_project()

    def buttons() -> str:
        project.refresh_from_db()
        return render_to_string("desk/project_actions/_actions.html", {"project": project})

    assert _suspend_url(project) in buttons() and _reinstate_url(project) not in buttons()
    desk_client.post(_suspend_url(project), {"reason": REASON})
    assert _suspend_url(project) not in buttons() and _reinstate_url(project) in buttons()
