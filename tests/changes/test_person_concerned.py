"""本人確認 per item: every change item has a person concerned (whose data it is), and only a positive
call-back to that person, at the number on file for them, decides it. A request about several people
needs a call to each; partial acceptance still works item by item."""

from __future__ import annotations

import json

import pytest

from calsreg.accounts.models import Project, Role, User
from calsreg.changes.catalog import APPLICANT, ITEMS, person_concerned
from calsreg.changes.models import CallBack, ChangeRequest, ChangeStatus, ItemDecision
from calsreg.changes.services import callback_record, change_request_apply
from calsreg.core.errors import InvalidTransition, ValidationFailed
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from tests.accounts.helpers import started
from tests.changes.callback_helpers import DURING_THE_WORKS, call_back, file_change
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_EMAIL = "jiro.suzuki@echigo-kensetsu.example.co.jp"

# Whose data each item of the catalogue is: the user named by the target for a user's own contact
# details and personal-data requests; the 申込担当者 on file for everything else.
CONCERNED_BY_FIELD = {
    **dict.fromkeys(
        [
            "project_name",
            "project_location",
            "period_start",
            "period_end",
            "contract_amount",
            "contractor_name",
            "contractor_kana",
            "contractor_representative",
            "contractor_postcode",
            "contractor_address",
            "contractor_phone",
            "applicant_name",
            "applicant_kana",
            "applicant_email",
            "applicant_phone",
            "billing_addressee",
            "billing_department",
            "billing_postcode",
            "billing_address",
            "billing_phone",
            "user.add",
            "user.remove",
            "user.replace",
            "supervisor.add",
            "supervisor.remove",
            "end_of_use",
        ],
        APPLICANT,
    ),
    **dict.fromkeys(
        ["user.name", "user.kana", "user.email", "user.phone", "personal.disclosure", "personal.deletion"],
        "suzuki2.abc",
    ),
}


@pytest.fixture(autouse=True)
def _during_the_works(time_machine) -> None:
    time_machine.move_to(DURING_THE_WORKS, tick=False)


@pytest.fixture
def desk() -> Actor:
    return Actor.staff(UserFactory(role=Role.HELP_DESK, username="helpdesk1"))


def _members() -> tuple[Project, User, User]:
    project, accounts = started()
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    return project, tanaka, suzuki


def _two_people(project: Project, suzuki: User, filer: User) -> ChangeRequest:
    """The project's name (the applicant's to confirm) and suzuki's e-mail (suzuki's), filed by ``filer``."""
    return file_change(
        project,
        {"field": "project_name", "value": "信濃川護岸設置工事（その2）"},
        {"field": "user.email", "target": suzuki.username, "value": NEW_EMAIL},
        channel="my_page",
        filed_by=filer,
    )


def _decisions(change: ChangeRequest) -> list[tuple[int, str, int | None]]:
    return list(change.items.order_by("position").values_list("position", "decision", "decided_by"))


def _traces() -> tuple[int, int, int, int]:
    return (
        CallBack.objects.count(),
        AuditEvent.objects.count(),
        Evidence.objects.count(),
        Delivery.objects.count(),
    )


def test_the_catalogue_has_no_item_whose_person_concerned_is_undecided():
    assert set(ITEMS) == set(CONCERNED_BY_FIELD)


@pytest.mark.parametrize("field", sorted(CONCERNED_BY_FIELD))
def test_every_item_names_whose_data_it_is_whatever_its_target(field):
    # A removal or replacement targets a user too, but it is the registration's: the applicant's.
    assert person_concerned(field=field, target="suzuki2.abc") == CONCERNED_BY_FIELD[field]


def test_a_personal_data_request_about_the_applicant_is_the_applicants_and_one_without_a_target_nobodys():
    assert person_concerned(field="personal.disclosure", target=APPLICANT) == APPLICANT
    assert person_concerned(field="user.email", target="") == ""


def test_a_request_about_two_people_is_verified_only_after_a_call_to_each(desk):
    project, tanaka, suzuki = _members()
    change = _two_people(project, suzuki, filer=tanaka)

    first = call_back(change, actor=desk, contact=APPLICANT)

    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED and change.verified_at is None
    assert _decisions(change) == [(1, ItemDecision.CONFIRMED, first.pk), (2, ItemDecision.PENDING, None)]
    with pytest.raises(InvalidTransition):
        change_request_apply(request=change, actor=desk)
    assert Project.objects.get(pk=project.pk).name == "信濃川護岸設置工事"

    second = call_back(change, actor=desk, contact=suzuki.username)

    change.refresh_from_db()
    assert change.status == ChangeStatus.VERIFIED
    assert _decisions(change) == [
        (1, ItemDecision.CONFIRMED, first.pk),
        (2, ItemDecision.CONFIRMED, second.pk),
    ]
    assert (first.phone_number, second.phone_number) == (project.application.applicant_phone, suzuki.phone)
    with second.evidence.file.open("rb") as handle:
        record = json.loads(handle.read())
    assert [
        (item["position"], item["person_concerned"], item["decided_by_this_call"]) for item in record["items"]
    ] == [(1, APPLICANT, False), (2, suzuki.username, True)]
    change_request_apply(request=change, actor=desk)
    assert Project.objects.get(pk=project.pk).name == "信濃川護岸設置工事（その2）"
    assert User.objects.get(pk=suzuki.pk).email == NEW_EMAIL


def test_a_call_cannot_decide_an_item_of_someone_else_and_records_nothing(desk):
    project, tanaka, suzuki = _members()
    change = _two_people(project, suzuki, filer=tanaka)
    first, second = change.items.order_by("position")
    traces = _traces()

    with pytest.raises(ValidationFailed) as refused:
        callback_record(
            request=change,
            contact=APPLICANT,
            outcome="confirmed",
            decisions={first.pk: True, second.pk: True},
            actor=desk,
        )

    assert [(error.field, error.label, error.message) for error in refused.value.errors] == [
        (
            f"item_{second.pk}",
            "変更2",
            f"変更2は利用者 {suzuki.username} 鈴木 次郎の情報です。申込担当者 田中 一郎への電話では確認できません。"
            f"利用者 {suzuki.username} 鈴木 次郎に登録済みの番号で電話して確認してください。",
        )
    ]
    assert _traces() == traces
    assert _decisions(change) == [(1, ItemDecision.PENDING, None), (2, ItemDecision.PENDING, None)]
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED


@pytest.mark.parametrize("outcome", ["confirmed", "denied", "no_answer", "wrong_person"])
def test_nobody_but_a_person_concerned_can_be_recorded_as_called(desk, outcome):
    """The filer, whose data nothing changes, cannot be the one called, whatever the call's result."""
    project, tanaka, suzuki = _members()
    change = file_change(
        project,
        {"field": "user.email", "target": suzuki.username, "value": NEW_EMAIL},
        channel="my_page",
        filed_by=tanaka,
    )
    item = change.items.get()
    traces = _traces()

    with pytest.raises(ValidationFailed) as refused:
        callback_record(
            request=change,
            contact=tanaka.username,
            outcome=outcome,
            decisions={item.pk: True} if outcome == "confirmed" else None,
            actor=desk,
        )

    assert [(error.field, error.message) for error in refused.value.errors] == [
        (
            "contact",
            f"電話した相手は、変更される情報の本人（利用者 {suzuki.username} 鈴木 次郎）から選んでください。"
            "申込者や他の利用者への電話では、その人の情報でない項目は確認できません。",
        )
    ]
    assert _traces() == traces
    change.refresh_from_db()
    assert (change.status, change.impersonation_suspected) == (ChangeStatus.SUBMITTED, False)
    assert User.objects.get(pk=suzuki.pk).email == "suzuki@echigo-kensetsu.example.co.jp"


def test_each_person_decides_their_own_items_and_the_declined_one_is_not_applied(desk):
    project, tanaka, suzuki = _members()
    change = _two_people(project, suzuki, filer=tanaka)

    call_back(change, actor=desk, contact=APPLICANT)
    call_back(change, actor=desk, contact=suzuki.username, confirmed=False)
    change_request_apply(request=change, actor=desk)

    change.refresh_from_db()
    assert change.status == ChangeStatus.APPLIED
    assert [(item.decision, item.applied_at is not None) for item in change.items.order_by("position")] == [
        (ItemDecision.CONFIRMED, True),
        (ItemDecision.DECLINED, False),
    ]
    assert Project.objects.get(pk=project.pk).name == "信濃川護岸設置工事（その2）"
    assert User.objects.get(pk=suzuki.pk).email == "suzuki@echigo-kensetsu.example.co.jp"


def test_a_denial_by_the_second_person_rejects_the_whole_request(desk):
    project, tanaka, suzuki = _members()
    change = _two_people(project, suzuki, filer=tanaka)
    first = call_back(change, actor=desk, contact=APPLICANT)

    denial = call_back(change, actor=desk, contact=suzuki.username, outcome="denied")

    change.refresh_from_db()
    assert (change.status, change.impersonation_suspected) == (ChangeStatus.REJECTED, True)
    # What the applicant confirmed stays on record; nothing of the rejected request is applied.
    assert _decisions(change) == [
        (1, ItemDecision.CONFIRMED, first.pk),
        (2, ItemDecision.DECLINED, denial.pk),
    ]
    with pytest.raises(InvalidTransition):
        change_request_apply(request=change, actor=desk)
    assert Project.objects.get(pk=project.pk).name == "信濃川護岸設置工事"
    assert User.objects.get(pk=suzuki.pk).email == "suzuki@echigo-kensetsu.example.co.jp"
    assert Delivery.objects.filter(
        kind="account_email_change_refused", to_address="suzuki@echigo-kensetsu.example.co.jp"
    ).exists()


def test_no_answer_from_the_person_concerned_leaves_their_items_waiting(desk):
    project, tanaka, suzuki = _members()
    change = _two_people(project, suzuki, filer=tanaka)

    call = call_back(change, actor=desk, contact=suzuki.username, outcome="no_answer")

    change.refresh_from_db()
    assert (call.contact, call.phone_number, change.status) == (
        suzuki.username,
        suzuki.phone,
        ChangeStatus.SUBMITTED,
    )
    assert _decisions(change) == [(1, ItemDecision.PENDING, None), (2, ItemDecision.PENDING, None)]


def test_a_person_already_decided_is_not_called_again(desk):
    project, tanaka, suzuki = _members()
    change = _two_people(project, suzuki, filer=tanaka)
    call_back(change, actor=desk, contact=APPLICANT)
    traces = _traces()

    with pytest.raises(ValidationFailed) as refused:
        callback_record(request=change, contact=APPLICANT, outcome="no_answer", actor=desk)

    assert [error.message for error in refused.value.errors] == [
        "申込担当者 田中 一郎の項目は、すでに本人確認の結果が記録されています。"
    ]
    assert _traces() == traces


def test_an_item_of_a_person_with_no_number_on_file_cannot_be_confirmed(desk):
    project, tanaka, suzuki = _members()
    change = _two_people(project, suzuki, filer=tanaka)
    User.objects.filter(pk=suzuki.pk).update(phone="")
    call_back(change, actor=desk, contact=APPLICANT)
    traces = _traces()

    with pytest.raises(ValidationFailed) as refused:
        callback_record(
            request=change,
            contact=suzuki.username,
            outcome="confirmed",
            decisions={change.items.get(position=2).pk: True},
            actor=desk,
        )

    assert [error.message for error in refused.value.errors] == [
        f"利用者 {suzuki.username}の電話番号が登録されていないため、本人確認の電話ができません。"
        "この項目は確認できないので、変更申込を不承認にしてください。"
    ]
    assert _traces() == traces
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED
