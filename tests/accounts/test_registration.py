"""project_register: one atomic registration of a confirmed application (seed step 4, invariant 2)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import is_password_usable

from calsreg.accounts import credentials
from calsreg.accounts.models import Membership, Project, User
from calsreg.accounts.selectors import (
    account_projects,
    project_accounts,
    project_evidence,
    project_for_application,
)
from calsreg.accounts.services import project_register
from calsreg.core.errors import InvalidTransition
from calsreg.directory.models import SupervisorTitle
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, EvidenceKind
from calsreg.records.services import evidence_store
from tests.accounts.helpers import SUZUKI, TANAKA, application_in, desk_actor, snapshot
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "status",
    ["submitted", "awaiting_confirmation", "returned", "rejected", "withdrawn", "registered", "in_service"],
)
def test_registration_is_refused_unless_the_application_is_confirmed(status):
    # given
    application = application_in(status=status)
    actor = desk_actor()
    before = snapshot()

    # when
    with pytest.raises(InvalidTransition) as refused:
        project_register(application=application, actor=actor)

    # then
    assert "確認が済んでいない申込は登録できません" in refused.value.message
    application.refresh_from_db()
    assert application.status == status
    assert snapshot() == before


def test_registration_creates_the_project_accounts_memberships_audit_and_two_mails_per_account():
    # given
    supervisor = SupervisorFactory(
        name="監督 太郎", email="Kantoku.Taro@pref.niigata.lg.jp", title=SupervisorTitle.CHIEF_SUPERVISOR
    )
    application = application_in(supervisors=[supervisor])
    actor = desk_actor()
    audit_before = AuditEvent.objects.count()

    # when
    project = project_register(application=application, actor=actor)

    # then: the project, from the application
    application.refresh_from_db()
    assert application.status == "registered"
    assert Project.objects.get() == project
    assert (project.status, project.name, project.project_number, project.office) == (
        "provisioned",
        "信濃川護岸設置工事",
        application.project_number,
        application.office,
    )
    assert (project.contract_amount, project.contractor_name) == (48_400_000, "株式会社越後建設")
    # the accounts: issued, not usable, no password yet
    tanaka, suzuki, kantoku = project_accounts(project=project)
    assert re.fullmatch(r"^tanaka\.[a-z]{3}$", tanaka.username)
    assert re.fullmatch(r"^suzuki2\.[a-z]{3}$", suzuki.username)
    assert re.fullmatch(r"^kantokutar\.[a-z]{3}$", kantoku.username)
    for user in (tanaka, suzuki, kantoku):
        assert not set(user.username.split(".")[1]) & set("ilo")
        assert (user.state, user.must_change_password, user.activated_at) == ("issued", True, None)
        assert user.initial_password_expires_at is not None
        assert not is_password_usable(user.password)
    assert (tanaka.role, tanaka.display_name, tanaka.kana, tanaka.email, tanaka.phone) == (
        "contractor",
        TANAKA["name"],
        TANAKA["kana"],
        TANAKA["email"],
        TANAKA["phone"],
    )
    assert (kantoku.role, kantoku.supervisor, kantoku.email) == (
        "supervisor",
        supervisor,
        "Kantoku.Taro@pref.niigata.lg.jp",
    )
    assert [(u.username, u.member_role) for u in project_accounts(project=project)] == [
        (tanaka.username, "site_agent"),
        (suzuki.username, "engineer"),
        (kantoku.username, "chief_supervisor"),
    ]
    assert Membership.objects.count() == 3
    # the audit: account IDs, no passwords
    events = list(
        AuditEvent.objects.order_by("id")[audit_before:].values_list("action", "subject_type", "data")
    )
    assert events == [
        (
            "project.registered",
            "project",
            {
                "application": application.receipt_number,
                "issued_accounts": [tanaka.username, suzuki.username, kantoku.username],
                "reused_accounts": [],
            },
        ),
        (
            "application.registered",
            "application",
            {
                "project_id": project.pk,
                "issued_accounts": [tanaka.username, suzuki.username, kantoku.username],
            },
        ),
    ]
    # the mails: an ID notice and a separate password notice per new account
    deliveries = list(Delivery.objects.order_by("id").values_list("kind", "to_address", "idempotency_key"))
    assert deliveries == [
        (kind, user.email, f"{kind}:{user.pk}")
        for user in (tanaka, suzuki, kantoku)
        for kind in ("account_id_notice", "account_password_notice")
    ]
    id_notice = Delivery.objects.get(idempotency_key=f"account_id_notice:{tanaka.pk}")
    assert id_notice.context["account_id"] == tanaka.username
    password_notice = Delivery.objects.get(idempotency_key=f"account_password_notice:{tanaka.pk}")
    assert "password" not in password_notice.context
    assert tanaka.username not in str(password_notice.context)


def test_a_supervisor_keeps_one_account_across_projects_and_gets_no_new_credentials():
    # given
    supervisor = SupervisorFactory(email="sato@pref.niigata.lg.jp")
    first = project_register(application=application_in(supervisors=[supervisor]), actor=desk_actor())
    deliveries_before = Delivery.objects.count()
    second_application = application_in(supervisors=[supervisor], users=[SUZUKI])

    # when
    second = project_register(application=second_application, actor=desk_actor())

    # then
    account = User.objects.get(supervisor=supervisor)
    assert re.fullmatch(r"^sato\.[a-z]{3}$", account.username)
    assert set(Membership.objects.filter(user=account).values_list("project", flat=True)) == {
        first.pk,
        second.pk,
    }
    new_deliveries = Delivery.objects.order_by("id")[deliveries_before:]
    suzuki = User.objects.get(username__startswith="suzuki2.", memberships__project=second)
    assert [(d.kind, d.subject_id) for d in new_deliveries] == [
        ("account_id_notice", suzuki.pk),
        ("account_password_notice", suzuki.pk),
    ]
    event = AuditEvent.objects.get(action="project.registered", subject_id=second.pk)
    assert event.data["reused_accounts"] == [account.username]
    assert list(account_projects(user=account)) == [second, first]


def test_registering_twice_returns_the_same_project_and_sends_one_set_of_mails():
    # given
    application = application_in()
    actor = desk_actor()
    project = project_register(application=application, actor=actor)
    before = snapshot()

    # when
    again = project_register(application=application, actor=actor)

    # then
    assert again == project
    assert snapshot() == before
    assert Delivery.objects.filter(kind="account_password_notice").count() == 3


def test_an_id_taken_already_is_retried_with_a_new_suffix(monkeypatch):
    # given: tanaka.abc exists, and the suffix generator offers "abc" first
    User.objects.create(username="tanaka.abc", role="contractor", state="active")
    suffixes = iter(["abc", "xyz", "abc", "pqr"])
    monkeypatch.setattr(credentials, "account_id_suffix", lambda: next(suffixes))
    application = application_in(users=[TANAKA, SUZUKI], supervisors=[SupervisorFactory(email="ab@x.jp")])

    # when
    project = project_register(application=application, actor=desk_actor())

    # then
    assert [u.username for u in project_accounts(project=project)] == ["tanaka.xyz", "suzuki2.abc", "abs.pqr"]
    assert User.objects.filter(username__startswith="tanaka.").count() == 2


def test_requested_ids_are_lower_cased():
    application = application_in(users=[{**TANAKA, "requested_id": "Tanaka"}])

    project = project_register(application=application, actor=desk_actor())

    (tanaka, _supervisor) = project_accounts(project=project)
    assert re.fullmatch(r"^tanaka\.[a-z]{3}$", tanaka.username)


def test_the_project_evidence_is_the_applications_form_and_the_supervisors_reply():
    # given
    application = application_in()
    actor = desk_actor()
    form = evidence_store(
        content=b"{}",
        original_name="application-web.json",
        content_type="application/json",
        kind=EvidenceKind.APPLICATION_WEB,
        subject=application,
        actor=actor,
    )
    reply = evidence_store(
        content=b"From: supervisor\r\n\r\nOK",
        original_name="reply.eml",
        content_type="message/rfc822",
        kind=EvidenceKind.SUPERVISOR_REPLY,
        subject=application,
        actor=actor,
    )

    # when
    project = project_register(application=application, actor=actor)

    # then
    assert list(project_evidence(project=project)) == [form, reply]
    assert project_for_application(application=application) == project
    assert project_for_application(application=application_in()) is None
