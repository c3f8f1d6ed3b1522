"""Issue 5's acceptance for change requests, for EVERY kind of change (seed steps 7–9).

Each case files a request (through the one submit service the portal, my page and the API use; the
form states a phone number of its own), proves that nothing is applied before the call-back (apply is
refused and every registered value is as it was), records the call-back to a contact ON FILE and
proves the number recorded is that registered number — never the one stated on the form — applies,
and then checks the effect: the registration with an audit record of every field's before and after,
new accounts with suffix IDs and their credential mails, removed accounts closed, supervisors'
access, the invoice adjusted, the form and the call record kept with valid checksums, and the result
mail listing what was applied and what was not.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session

from calsreg.accounts.models import AccountState, Membership, Project, Role, User
from calsreg.accounts.services.anonymise import ERASED
from calsreg.applications.models import Application
from calsreg.billing.models import Invoice, InvoiceKind, InvoiceStatus
from calsreg.billing.services import billing_run, invoice_draft_for_project
from calsreg.changes.catalog import person_concerned
from calsreg.changes.models import CallBack, ChangeRequest, ChangeStatus
from calsreg.changes.registration import contact_on_file
from calsreg.changes.services import change_request_apply
from calsreg.core.errors import InvalidTransition
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from calsreg.records.services import Actor, evidence_verify
from tests.accounts.helpers import started
from tests.billing.invoice_helpers import configured, jst
from tests.changes.callback_helpers import STATED_PHONE, call_back, file_change
from tests.factories import SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db

FILED_AT = jst(2026, 12, 10)
NEW_AGENT = {
    "role": "site_agent",
    "name": "佐藤 三郎",
    "kana": "サトウ サブロウ",
    "email": "sato@echigo-kensetsu.example.co.jp",
    "phone": "090-3333-4444",
    "requested_id": "sato",
}
NEW_ENGINEER = {
    "role": "engineer",
    "name": "阿賀 翔",
    "kana": "アガ ショウ",
    "email": "aga@echigo-kensetsu.example.co.jp",
    "phone": "080-1618-0339",
    "requested_id": "agasho",
}


@dataclass
class World:
    """A project in use during its works, its accounts by the requested part of their ID, the desk."""

    project: Project
    accounts: dict[str, User]
    desk: Actor
    supervisor: User
    invoice: Invoice | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def account(self, requested: str) -> User:
        return self.accounts[requested]


def _world(time_machine: time_machine.TimeMachineFixture, *, billed: bool = False) -> World:
    """Started on 10 Nov; with ``billed``, its invoice issued by the December run; filed on 10 Dec."""
    time_machine.move_to(jst(2026, 11, 10), tick=False)
    project, accounts = started()
    invoice = None
    if billed:
        configured(organisation=project.office.organisation, monthly_fee=5_000)
        invoice = invoice_draft_for_project(project=project, actor=Actor.system("test"))
        time_machine.move_to(jst(2026, 12, 1, 9), tick=False)
        billing_run(run_month=dt.date(2026, 12, 1), actor=Actor.system("test"))
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.ISSUED
    time_machine.move_to(FILED_AT, tick=False)
    desk = Actor.staff(UserFactory(role=Role.HELP_DESK, username="helpdesk1"))
    contractors = {user.username.split(".")[0]: user for user in accounts if user.role == Role.CONTRACTOR}
    supervisor = next(user for user in accounts if user.role == Role.SUPERVISOR)
    return World(project=project, accounts=contractors, desk=desk, supervisor=supervisor, invoice=invoice)


def registration(project: Project) -> dict[str, Any]:
    """Every registered value a change could touch: project, application, accounts, memberships,
    invoices, sessions and disclosure documents."""
    return {
        "project": Project.objects.filter(pk=project.pk).values().get(),
        "application": Application.objects.filter(pk=project.application_id).values().get(),
        "users": list(
            User.objects.filter(memberships__project=project)
            .order_by("pk")
            .values(
                "pk", "username", "email", "phone", "display_name", "kana", "state", "password", "is_active"
            )
        ),
        "users_total": User.objects.count(),
        "memberships": list(Membership.objects.filter(project=project).order_by("pk").values()),
        "invoices": list(Invoice.objects.filter(project=project).order_by("pk").values()),
        "sessions": Session.objects.count(),
        "disclosures": Evidence.objects.filter(note="disclosure").count(),
        "field_changes": AuditEvent.objects.filter(action="registration.field_changed").count(),
    }


@dataclass(frozen=True)
class Case:
    items: Callable[[World], list[dict[str, Any]]]
    check: Callable[[World, ChangeRequest], None]
    billed: bool = False
    # Whom the desk must call: each person whose data the items change (本人), in the items' order.
    people: Callable[[World], list[str]] = lambda world: ["applicant"]


def _field_audit(project: Project, field_name: str) -> dict[str, Any]:
    event = AuditEvent.objects.get(action="registration.field_changed", data__field=field_name)
    return event.data


# --- the effects, kind by kind ------------------------------------------------------------------------


def _period_extended(world: World, change: ChangeRequest) -> None:
    project = Project.objects.get(pk=world.project.pk)
    assert project.period_end == dt.date(2027, 5, 31)
    assert _field_audit(project, "period_end") == {
        "field": "period_end",
        "before": "2027-03-19",
        "after": "2027-05-31",
        "change_request": change.number,
    }
    # Dec–Mar (4 months) → Dec–May (6 months): 2 × 5,000 yen + 10 % tax, on an additional invoice.
    additional = Invoice.objects.get(project=project, kind=InvoiceKind.ADDITIONAL)
    assert (additional.status, additional.total, additional.adjusted_invoice_id) == (
        InvoiceStatus.DRAFT,
        11_000,
        world.invoice.pk,
    )
    assert change.number in additional.lines.first().description


def _project_renamed(world: World, change: ChangeRequest) -> None:
    project = Project.objects.get(pk=world.project.pk)
    assert (project.name, project.location) == ("信濃川護岸設置工事（その2）", "新潟市中央区関屋地内")
    assert _field_audit(project, "project_name")["before"] == "信濃川護岸設置工事"
    assert _field_audit(project, "project_location")["after"] == "新潟市中央区関屋地内"


def _supervisor_replaced(world: World, change: ChangeRequest) -> None:
    newcomer = world.extra["newcomer"]
    account = User.objects.get(supervisor=newcomer)
    assert Membership.objects.get(project=world.project, user=account).active
    assert account.state == AccountState.ACTIVE  # the project is in use: access at once
    assert not Membership.objects.get(project=world.project, user=world.supervisor).active
    assert Delivery.objects.filter(to_address=newcomer.email).exists()
    assert AuditEvent.objects.filter(action__startswith="project.supervisor_added").exists()


def _user_added_and_removed(world: World, change: ChangeRequest) -> None:
    added = User.objects.get(username__regex=r"^agasho\.[a-z]{3}$")
    assert Membership.objects.get(project=world.project, user=added).active
    assert added.state == AccountState.ACTIVE
    kinds = set(Delivery.objects.filter(to_address=NEW_ENGINEER["email"]).values_list("kind", flat=True))
    assert {"account_id_notice", "account_password_notice"} <= kinds
    suzuki = User.objects.get(pk=world.account("suzuki2").pk)
    assert suzuki.state == AccountState.CLOSED
    assert not Membership.objects.get(project=world.project, user=suzuki).active
    assert "project_access_ended" in Delivery.objects.filter(to_address=suzuki.email).values_list(
        "kind", flat=True
    )


def _site_agent_replaced(world: World, change: ChangeRequest) -> None:
    sato = User.objects.get(username__regex=r"^sato\.[a-z]{3}$")
    assert Membership.objects.get(project=world.project, user=sato).role == "site_agent"
    ids = Delivery.objects.filter(to_address=NEW_AGENT["email"], kind="account_id_notice").get()
    passwords = Delivery.objects.filter(to_address=NEW_AGENT["email"], kind="account_password_notice").get()
    assert ids.pk != passwords.pk  # ID and password in separate mails
    tanaka = User.objects.get(pk=world.account("tanaka").pk)
    assert tanaka.state == AccountState.CLOSED
    assert not Membership.objects.filter(project=world.project, user=tanaka, active=True).exists()


def _contacts_corrected(world: World, change: ChangeRequest) -> None:
    application = Application.objects.get(pk=world.project.application_id)
    assert application.applicant_phone == "090-5555-6666"
    assert _field_audit(world.project, "applicant_phone")["before"] == "090-1234-5678"
    suzuki = User.objects.get(pk=world.account("suzuki2").pk)
    assert suzuki.email == "jiro.suzuki@echigo-kensetsu.example.co.jp"
    corrected = AuditEvent.objects.get(action="account.contact_corrected", subject_id=suzuki.pk)
    assert corrected.data == {
        "before": {"email": "suzuki@echigo-kensetsu.example.co.jp"},
        "after": {"email": "jiro.suzuki@echigo-kensetsu.example.co.jp"},
    }
    assert "account_email_changed_old" in Delivery.objects.filter(
        to_address="suzuki@echigo-kensetsu.example.co.jp"
    ).values_list("kind", flat=True)
    assert "account_email_changed_new" in Delivery.objects.filter(
        to_address="jiro.suzuki@echigo-kensetsu.example.co.jp"
    ).values_list("kind", flat=True)
    # The next call-back goes to the corrected number on file.
    assert contact_on_file(Project.objects.get(pk=world.project.pk), "applicant").phone == "090-5555-6666"


def _billing_address_changed(world: World, change: ChangeRequest) -> None:
    application = Application.objects.get(pk=world.project.application_id)
    assert application.billing_address == "新潟県新潟市中央区東大通2丁目3番4号"
    assert _field_audit(world.project, "billing_address")["after"] == application.billing_address
    # The issued invoice keeps the address it was sent to.
    assert Invoice.objects.get(pk=world.invoice.pk).billing_address == "新潟県新潟市中央区万代1丁目1番1号"


def _ended_early(world: World, change: ChangeRequest) -> None:
    project = Project.objects.get(pk=world.project.pk)
    assert project.ends_on == dt.date(2027, 1, 31)
    assert project.last_day_of_use == dt.date(2027, 1, 31)


def _disclosed(world: World, change: ChangeRequest) -> None:
    document = Evidence.objects.get(note="disclosure", subject_type="changerequest", subject_id=change.pk)
    assert evidence_verify(evidence=document).ok
    with document.file.open("rb") as handle:
        content = json.loads(handle.read())
    assert content["person"]["email"] == world.project.application.applicant_email
    assert AuditEvent.objects.filter(action="personal_data.disclosed", subject_id=change.pk).exists()


def _deleted(world: World, change: ChangeRequest) -> None:
    suzuki = User.objects.get(pk=world.account("suzuki2").pk)
    assert (suzuki.display_name, suzuki.email, suzuki.phone, suzuki.state) == (ERASED, "", "", "closed")
    assert not suzuki.username.startswith("suzuki2")  # the ID no longer carries the chosen name
    assert not suzuki.has_usable_password() and not suzuki.is_active
    assert not Membership.objects.filter(project=world.project, user=suzuki, active=True).exists()
    assert AuditEvent.objects.filter(action="personal_data.erased", subject_id=suzuki.pk).exists()


CASES = {
    "project-period-extension-with-fee": Case(
        items=lambda w: [{"field": "period_end", "value": "2027-05-31"}], check=_period_extended, billed=True
    ),
    "project-name-and-location": Case(
        items=lambda w: [
            {"field": "project_name", "value": "信濃川護岸設置工事（その2）"},
            {"field": "project_location", "value": "新潟市中央区関屋地内"},
        ],
        check=_project_renamed,
    ),
    "supervisor-replaced": Case(
        items=lambda w: [
            {
                "field": "supervisor.add",
                "value": w.extra.setdefault(
                    "newcomer", SupervisorFactory(office=w.project.office, name="星野 亮")
                ).pk,
            },
            {"field": "supervisor.remove", "target": str(w.supervisor.supervisor_id)},
        ],
        check=_supervisor_replaced,
    ),
    "user-added-and-removed": Case(
        items=lambda w: [
            {"field": "user.add", "value": NEW_ENGINEER},
            {"field": "user.remove", "target": w.account("suzuki2").username},
        ],
        check=_user_added_and_removed,  # the registration's users: the applicant answers for them
    ),
    "site-agent-replaced": Case(
        items=lambda w: [
            {"field": "user.replace", "target": w.account("tanaka").username, "value": NEW_AGENT}
        ],
        check=_site_agent_replaced,
    ),
    "contact-and-user-email-corrected": Case(
        items=lambda w: [
            {"field": "applicant_phone", "value": "090-5555-6666"},
            {
                "field": "user.email",
                "target": w.account("suzuki2").username,
                "value": "jiro.suzuki@echigo-kensetsu.example.co.jp",
            },
        ],
        check=_contacts_corrected,
        people=lambda w: ["applicant", w.account("suzuki2").username],
    ),
    "billing-address": Case(
        items=lambda w: [{"field": "billing_address", "value": "新潟県新潟市中央区東大通2丁目3番4号"}],
        check=_billing_address_changed,
        billed=True,
    ),
    "early-end-of-use": Case(
        items=lambda w: [{"field": "end_of_use", "value": "2027-01-31"}], check=_ended_early
    ),
    "disclosure": Case(
        items=lambda w: [{"field": "personal.disclosure", "target": "applicant"}], check=_disclosed
    ),
    "deletion": Case(
        items=lambda w: [{"field": "personal.deletion", "target": w.account("suzuki2").username}],
        check=_deleted,
        people=lambda w: [w.account("suzuki2").username],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_kind_is_applied_only_after_a_call_back_to_the_number_on_file(time_machine, name):
    case = CASES[name]
    world = _world(time_machine, billed=case.billed)
    items = case.items(world)
    before = registration(world.project)

    # 1. Filed, with a phone number of the form's own: nothing changes.
    change = file_change(world.project, *items)
    assert change.requester_phone == STATED_PHONE
    assert registration(world.project) == before

    # 2. Apply before verification: refused, and every registered value as it was.
    with pytest.raises(InvalidTransition):
        change_request_apply(request=change, actor=world.desk)
    assert registration(world.project) == before
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED

    # 3. The call-back goes to each person concerned, at the number on file for them; the request is
    #    verified only once every one of them has confirmed their own items.
    people = case.people(world)
    calls = []
    for contact in people:
        change.refresh_from_db()
        assert change.status == ChangeStatus.SUBMITTED
        on_file = contact_on_file(world.project, contact)
        assert on_file is not None and on_file.phone != STATED_PHONE
        call = call_back(change, actor=world.desk, contact=contact, note="本人に確認")
        assert (call.contact, call.phone_number) == (contact, on_file.phone)
        theirs = [
            item.position
            for item in change.items.order_by("position")
            if person_concerned(field=item.field, target=item.target) == contact
        ]
        assert list(call.decided_items.order_by("position").values_list("position", flat=True)) == theirs
        calls.append((call, on_file))
    assert not CallBack.objects.filter(phone_number=STATED_PHONE).exists()
    change.refresh_from_db()
    assert change.status == ChangeStatus.VERIFIED
    assert registration(world.project) == before  # verified is not applied

    # 4. Applied: the effect of this kind.
    change_request_apply(request=change, actor=world.desk)
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPLIED
    assert all(item.applied_at is not None for item in change.items.all()), [
        item.outcome for item in change.items.all()
    ]
    case.check(world, change)

    # 5. Evidence: the form and the call record, each verifying against its checksum.
    assert evidence_verify(evidence=change.form_evidence).ok
    assert change.form_evidence.kind == EvidenceKind.CHANGE_FORM
    for call, on_file in calls:
        call.refresh_from_db()
        assert call.evidence.kind == EvidenceKind.CALL_RECORD and evidence_verify(evidence=call.evidence).ok
        with call.evidence.file.open("rb") as handle:
            record = json.loads(handle.read())
        assert record["phone_number_on_file"] == on_file.phone
        assert record["phone_number_stated_on_form"] == STATED_PHONE
    actions = AuditEvent.objects.filter(
        subject_type="changerequest", subject_id=change.pk, action__startswith="change_request."
    ).order_by("at", "pk")
    assert list(actions.values_list("action", flat=True)) == [
        "change_request.submitted",
        *["change_request.called_back"] * len(people),
        "change_request.verified",
        "change_request.applied",
    ]

    # 6. The result mail, at the address on file, lists every item as applied.
    result = Delivery.objects.get(
        kind="change_request_result", to_address=world.project.application.applicant_email
    )
    assert len(result.context["applied"]) == len(items) and result.context["not_applied"] == []


def test_partial_acceptance_applies_only_the_confirmed_item(time_machine):
    world = _world(time_machine)
    change = file_change(
        world.project,
        {"field": "project_name", "value": "信濃川護岸設置工事（その2）"},
        {"field": "contract_amount", "value": "52,800,000"},
    )

    call_back(change, actor=world.desk, confirmed={1: True, 2: False})
    change_request_apply(request=change, actor=world.desk)

    project = Project.objects.get(pk=world.project.pk)
    assert project.name == "信濃川護岸設置工事（その2）"
    assert project.contract_amount == 48_400_000
    first, second = change.items.order_by("position")
    assert (first.decision, first.applied_at is not None) == ("confirmed", True)
    assert (second.decision, second.applied_at) == ("declined", None)
    assert "本人確認で確認できなかった" in second.outcome
    result = Delivery.objects.get(kind="change_request_result")
    assert [len(result.context["applied"]), len(result.context["not_applied"])] == [1, 1]
    assert result.context["not_applied"][0].startswith("請負金額")
    assert AuditEvent.objects.filter(action="registration.field_changed").count() == 1


def test_a_request_whose_items_are_all_declined_is_rejected_without_change(time_machine):
    world = _world(time_machine)
    change = file_change(world.project, {"field": "project_name", "value": "別の工事名"})
    before = registration(world.project)

    call_back(change, actor=world.desk, confirmed=False)

    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED and not change.impersonation_suspected
    with pytest.raises(InvalidTransition):
        change_request_apply(request=change, actor=world.desk)
    assert registration(world.project) == before


def test_a_stated_number_equal_to_nobody_on_file_cannot_be_called(time_machine):
    world = _world(time_machine)
    change = file_change(world.project, {"field": "project_name", "value": "別の工事名"})

    from calsreg.changes.services import callback_record
    from calsreg.core.errors import ValidationFailed

    events, files = AuditEvent.objects.count(), Evidence.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        callback_record(
            request=change, contact=STATED_PHONE, outcome="confirmed", actor=world.desk, decisions={}
        )
    assert not CallBack.objects.exists()
    assert re.fullmatch(r"H2026-\d{5}", change.number)
    # Refused whole: the unknown contact is named, and the request, its items, the audit log and the
    # evidence are as they were.
    assert [error.field for error in refused.value.errors] == ["contact"]
    change.refresh_from_db()
    assert (change.status, change.verified_at) == (ChangeStatus.SUBMITTED, None)
    assert list(change.items.values_list("decision", flat=True)) == ["pending"]
    assert (AuditEvent.objects.count(), Evidence.objects.count()) == (events, files)


# --- the whole journey through the staff API, a real SMTP server and the real task worker ---------------

ID_LINE = re.compile(r"^■ ID　　　　：(\S+)$", re.MULTILINE)


def _staff(client, headers, number: str, tail: str, body: dict[str, Any] | None = None):
    path = f"/api/staff/changes/{number}" + (f"/{tail}" if tail else "")
    if body is None:
        return client.get(path, **headers)
    return client.post(path, body, content_type="application/json", **headers)


@pytest.mark.django_db(transaction=True)
def test_site_agent_change_from_my_page_through_the_staff_api_and_real_mail(
    client, smtp_server, run_tasks, time_machine
):
    from tests.api.helpers import bearer, staff_token

    world = _world(time_machine)
    run_tasks()
    sent_before = len(smtp_server.messages)
    tanaka = world.account("tanaka")
    _user, secret = staff_token(role=Role.HELP_DESK)
    desk = bearer(secret)

    # Filed from my page by the site agent, with a number on the form that is nobody's on file.
    change = file_change(
        world.project,
        {"field": "user.replace", "target": tanaka.username, "value": NEW_AGENT},
        {"field": "user.add", "value": NEW_ENGINEER},
        channel="my_page",
        filed_by=tanaka,
    )
    assert run_tasks() == 1
    received = smtp_server.messages[sent_before:]
    assert [m["Subject"].strip() for m in received] == [
        f"【新潟県CALSシステム】変更申込を受け付けました（変更受付番号：{change.number}）"
    ]
    assert smtp_server.envelopes[sent_before].rcpt_tos == [world.project.application.applicant_email]

    # Apply before the call-back: 409, nothing changes, nothing is sent.
    before = registration(world.project)
    refused = _staff(client, desk, change.number, "apply", {})
    assert refused.status_code == 409
    assert registration(world.project) == before
    assert run_tasks() == 0

    # The desk reads the request: whom to call (the users of the registration are the applicant's to
    # confirm, not the filer's), at the number on file, the stated number apart; no default.
    detail = _staff(client, desk, change.number, "").json()
    assert detail["requester_phone_stated"] == STATED_PHONE
    assert [
        (person["key"], person["phone"], person["unverified_positions"])
        for person in detail["people_concerned"]
    ] == [("applicant", world.project.application.applicant_phone, [1, 2])]
    assert "default_contact" not in detail
    # A phone number cannot be sent along: 422, nothing recorded.
    crafted = _staff(
        client,
        desk,
        change.number,
        "callbacks",
        {"contact": "applicant", "outcome": "confirmed", "phone_number": STATED_PHONE, "decisions": []},
    )
    assert crafted.status_code == 422 and not CallBack.objects.exists()

    called = _staff(
        client,
        desk,
        change.number,
        "callbacks",
        {
            "contact": detail["people_concerned"][0]["key"],
            "outcome": "confirmed",
            "decisions": [{"position": 1, "confirmed": True}, {"position": 2, "confirmed": True}],
            "note": "現場代理人の交代と利用者の追加を本人に確認",
        },
    )
    assert called.status_code == 201, called.json()
    assert called.json()["call"]["phone_number"] == world.project.application.applicant_phone != STATED_PHONE
    assert called.json()["change"]["status"] == "verified"

    applied = _staff(client, desk, change.number, "apply", {})
    assert applied.status_code == 200, applied.json()
    assert [item["applied_at"] is not None for item in applied.json()["items"]] == [True, True]

    # The mails, as they arrive: each newcomer gets the ID and the password in separate mails and the
    # start-of-use notice; the old site agent is told; the applicant gets the result.
    run_tasks()
    arrived = [
        (str(m["Subject"]).strip(), envelope.rcpt_tos, m.get_content())
        for m, envelope in zip(
            smtp_server.messages[sent_before + 1 :], smtp_server.envelopes[sent_before + 1 :], strict=True
        )
    ]
    by_address: dict[str, list[str]] = {}
    for subject, recipients, _body in arrived:
        for address in recipients:
            by_address.setdefault(address, []).append(subject)
    project_name = world.project.name
    for person in (NEW_AGENT, NEW_ENGINEER):
        assert sorted(by_address[person["email"]]) == sorted(
            [
                f"【新潟県CALSシステム】ID通知（{project_name}）",
                f"【新潟県CALSシステム】パスワード通知（{project_name}）",
                f"【新潟県CALSシステム】利用開始のお知らせ（{project_name}）",
            ]
        )
    id_mail = next(
        body for subject, to, body in arrived if to == [NEW_AGENT["email"]] and "ID通知" in subject
    )
    assert re.fullmatch(r"sato\.[a-z]{3}", ID_LINE.search(id_mail).group(1))
    applicant = world.project.application.applicant_email
    assert (
        f"【新潟県CALSシステム】変更申込の反映結果のお知らせ（変更受付番号：{change.number}）"
        in by_address[applicant]
    )
    result = next(body for subject, to, body in arrived if "反映結果" in subject)
    assert "反映した項目" in result and "利用者の交代" in result and "利用者の追加" in result
    assert "反映していない項目" not in result
    assert STATED_PHONE not in "".join(body for _s, _t, body in arrived)
    assert User.objects.get(pk=tanaka.pk).state == AccountState.CLOSED
