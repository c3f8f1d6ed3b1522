"""My page's change request (変更申込, seed step 7): the registration beside a form of what changes,
the fee impact, errors next to their inputs with nothing lost, the receipt, and the account's list."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine

from calsreg.accounts.models import Membership, Project, ProjectStatus, User
from calsreg.changes.models import ChangeChannel, ChangeItem, ChangeRequest
from calsreg.notifications.models import Delivery
from calsreg.records.models import Evidence
from tests.accounts.helpers import started
from tests.billing.invoice_helpers import configured
from tests.factories import SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _during_the_works(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)


def filer(**kwargs: Any) -> tuple[Project, User, User]:
    """A project in use, its site agent tanaka (the filer) and its engineer suzuki2, both usable."""
    project, accounts = started(**kwargs)
    for user in accounts:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    tanaka = next(u for u in accounts if u.username.startswith("tanaka."))
    suzuki = next(u for u in accounts if u.username.startswith("suzuki2."))
    return project, tanaka, suzuki


def form_url(project: Project) -> str:
    return f"/mypage/changes/{project.pk}/"


def stored() -> dict[str, int]:
    return {
        "requests": ChangeRequest.objects.count(),
        "items": ChangeItem.objects.count(),
        "evidence": Evidence.objects.count(),
        "deliveries": Delivery.objects.count(),
    }


def test_the_form_shows_the_registration_to_a_member_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    project, tanaka, suzuki = filer()
    client.force_login(tanaka)
    with django_assert_max_num_queries(8):
        client.get(form_url(project))
    for number in range(3):  # more users and supervisors: still the same queries
        user = UserFactory(role="contractor", username=f"extra{number}.abc", display_name=f"追加 {number}")
        Membership.objects.create(project=project, user=user, role="engineer")
        SupervisorFactory(office=project.office)

    with django_assert_max_num_queries(8):
        response = client.get(form_url(project))

    html = response.content.decode()
    assert response.status_code == 200
    assert project.name in html and "2027年3月19日(金)" in html
    assert "080-2345-6789" in html and "suzuki@echigo-kensetsu.example.co.jp" in html
    assert '<label for="new-period_end" class="visually-hidden">工期（終了日）（変更後）</label>' in html
    assert (
        f'<input id="acct-{suzuki.username}-phone" name="acct-{suzuki.username}-phone" type="tel" value="" '
        'autocomplete="off" inputmode="tel">'
    ) in html
    # The requester is the signed-in holder, editable.
    assert 'id="requester_name" name="requester_name" type="text" value="田中 一郎"' in html
    assert '<fieldset class="form-section" id="section-supervisors">' in html


def test_my_page_links_to_the_change_requests_and_the_list_shows_projects_and_requests(
    client, django_assert_max_num_queries
):
    project, tanaka, _suzuki = filer()
    client.force_login(tanaka)
    assert 'href="/mypage/changes/"' in client.get("/mypage/").content.decode()
    for location in ("新潟市西区地内", "新潟市北区地内"):
        client.post(form_url(project), {"requester_name": "田中 一郎", "new-project_location": location})

    with django_assert_max_num_queries(5):
        html = client.get("/mypage/changes/").content.decode()

    change = ChangeRequest.objects.first()
    assert f'href="/mypage/changes/{project.pk}/"' in html
    assert f'href="/mypage/changes/{project.pk}/form.xlsx"' in html
    assert re.search(rf"<th scope=\"row\">{change.number}</th>.*?受付済み（本人確認前）", html, re.S)


def test_a_period_extension_and_a_phone_correction_are_filed_and_nothing_changes_yet(client):
    project, tanaka, suzuki = filer()
    client.force_login(tanaka)

    response = client.post(
        form_url(project),
        {
            "requester_name": "田中 一郎",
            "requester_phone": "090-1234-5678",
            "reason": "工期延長",
            "new-period_end": "2027/5/31",
            f"acct-{suzuki.username}-phone": "０８０９９９９００００",
            "action": "submit",
        },
    )

    change = ChangeRequest.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/changes/receipt/{change.number}/")
    assert (change.channel, change.filed_by, change.requester_name, change.reason, change.language) == (
        ChangeChannel.MY_PAGE,
        tanaka,
        "田中 一郎",
        "工期延長",
        "ja",
    )
    assert [(i.field, i.target, i.before, i.after) for i in change.items.order_by("position")] == [
        ("period_end", "", "2027-03-19", "2027-05-31"),
        ("user.phone", suzuki.username, "080-2345-6789", "080-9999-0000"),
    ]
    assert Project.objects.get(pk=project.pk).period_end == dt.date(2027, 3, 19)
    assert User.objects.get(pk=suzuki.pk).phone == "080-2345-6789"
    # The acknowledgment goes to the addresses on file only.
    assert set(
        Delivery.objects.filter(kind="change_request_received").values_list("to_address", flat=True)
    ) == {"tanaka@echigo-kensetsu.example.co.jp"}
    receipt = client.get(response["Location"]).content.decode()
    assert change.number in receipt and "すでに登録されている電話番号" in receipt
    assert "工期（終了日）" in receipt and "利用者の電話番号" in receipt


def test_every_error_is_next_to_its_input_and_nothing_typed_is_lost(client):
    project, tanaka, suzuki = filer()
    client.force_login(tanaka)
    before = stored()

    response = client.post(
        form_url(project),
        {
            "requester_name": "",
            "new-project_name": project.name,
            "new-period_end": "2027-02-30",
            f"acct-{suzuki.username}-email": "suzuki@",
            f"acct-{suzuki.username}-kana": "suzuki",
            "person-1-name": "佐藤 三郎",
            "person_rows": "1",
        },
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert stored() == before
    assert '<div id="requester_name-error"><p class="field-error">' in html
    assert 'id="new-project_name" name="new-project_name" type="text" value="信濃川護岸設置工事"' in html
    assert 'aria-invalid="true" aria-describedby="new-project_name-error"' in html
    assert "「工事名」は登録内容と同じです。変更する項目だけを入力してください。" in html
    assert "「工期（終了日）」は日付で入力してください（例: 2026-12-01）。" in html
    # Named as the page names the input, not by the item's number in the request.
    assert f"「{suzuki.username}のメールアドレス」の形式が正しくありません" in html
    assert f"「{suzuki.username}の氏名（フリガナ）」は全角カタカナで入力してください。" in html
    assert f'id="acct-{suzuki.username}-kana-error"' in html
    assert (
        'id="person-1-requested_id-error"' in html
        and "「追加する利用者1の希望ID」を入力してください。" in html
    )
    assert 'value="佐藤 三郎"' in html and 'value="suzuki@"' in html
    assert f'<a href="#acct-{suzuki.username}-email">' in html


def test_no_item_at_all_is_one_message_at_the_top(client):
    project, tanaka, _suzuki = filer()
    client.force_login(tanaka)

    html = client.post(form_url(project), {"requester_name": "田中 一郎"}).content.decode()

    assert '<a href="#change-items">' in html and "変更する項目を1つ以上入力してください。" in html


def test_the_fee_impact_is_shown_without_javascript_on_preview_and_by_htmx(client):
    configured()
    project, tanaka, _suzuki = filer()
    client.force_login(tanaka)

    preview = client.post(form_url(project), {"action": "preview", "new-period_end": "2027-05-31"})
    partial = client.get(f"/mypage/changes/{project.pk}/fee/", {"new-period_end": "2027-05-31"})
    bad = client.get(f"/mypage/changes/{project.pk}/fee/", {"new-period_end": "someday"})

    assert preview.status_code == 200 and ChangeRequest.objects.count() == 0
    for html in (preview.content.decode(), partial.content.decode()):
        assert re.search(r'<dd id="fee-new">[\d,]+円</dd>', html)
        assert '<dd id="fee-difference">+' in html
    assert partial.content.decode().lstrip().startswith('<div id="fee-impact"')
    assert "正しい形式で入力すると" in bad.content.decode()


def test_a_site_agent_is_replaced_a_supervisor_added_and_data_disclosed(client):
    project, tanaka, suzuki = filer()
    colleague = SupervisorFactory(office=project.office, name="新井 五郎")
    client.force_login(suzuki)

    response = client.post(
        form_url(project),
        {
            "requester_name": "鈴木 次郎",
            "person_rows": "2",
            "person-1-replaces": tanaka.username,
            "person-1-role": "site_agent",
            "person-1-name": "佐藤 三郎",
            "person-1-kana": "サトウ サブロウ",
            "person-1-email": "sato@echigo-kensetsu.example.co.jp",
            "person-1-phone": "090-3333-4444",
            "person-1-requested_id": "sato",
            "supervisor_add": str(colleague.pk),
            "disclosure": "applicant",
        },
    )

    assert response.status_code == 302
    change = ChangeRequest.objects.get()
    assert [(i.field, i.target, i.after) for i in change.items.order_by("position")] == [
        (
            "user.replace",
            tanaka.username,
            {
                "role": "site_agent",
                "name": "佐藤 三郎",
                "kana": "サトウ サブロウ",
                "email": "sato@echigo-kensetsu.example.co.jp",
                "phone": "090-3333-4444",
                "requested_id": "sato",
            },
        ),
        ("supervisor.add", "", colleague.pk),
        ("personal.disclosure", "applicant", None),
    ]


def test_adding_a_person_row_keeps_what_was_typed(client):
    project, tanaka, _suzuki = filer()
    client.force_login(tanaka)

    response = client.post(
        form_url(project),
        {
            "action": "add_person",
            "person_rows": "1",
            "person-1-name": "佐藤 三郎",
            "new-period_end": "2027-05-31",
        },
    )

    html = response.content.decode()
    assert 'id="person-2-name"' in html and 'value="佐藤 三郎"' in html and 'value="2027-05-31"' in html
    assert ChangeRequest.objects.count() == 0


def test_the_receipt_is_only_for_the_session_that_filed(client, django_user_model):
    project, tanaka, _suzuki = filer()
    client.force_login(tanaka)
    location = client.post(form_url(project), {"requester_name": "田中", "new-period_end": "2027-05-31"})[
        "Location"
    ]
    client.logout()

    assert client.get(location).status_code == 404


ROLES = ["anonymous", "other contractor", "supervisor of another office", "help desk", "billing agent"]


@pytest.mark.parametrize("who", ROLES)
def test_only_members_may_file_for_or_see_a_project(client, who):
    project, _tanaka, _suzuki = filer()
    if who == "other contractor":
        _other, accounts = started()
        user = accounts[0]
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        client.force_login(user)
    elif who == "supervisor of another office":
        client.force_login(UserFactory(role="supervisor", supervisor=SupervisorFactory()))
    elif who != "anonymous":
        client.force_login(UserFactory(role=who.replace(" ", "_")))
    urls = [
        form_url(project),
        f"{form_url(project)}fee/",
        f"{form_url(project)}form.xlsx",
        f"{form_url(project)}upload/",
    ]

    statuses = {client.get(url).status_code for url in urls}
    posted = client.post(form_url(project), {"requester_name": "x", "new-period_end": "2027-05-31"})

    expected = {"anonymous": 302, "help desk": 403, "billing agent": 403}.get(who, 404)
    assert statuses == {expected} and posted.status_code == expected
    assert ChangeRequest.objects.count() == 0


def test_a_closed_project_is_not_offered(client):
    project, tanaka, _suzuki = filer()
    other, _accounts = started()  # tanaka stays usable through another project in use
    Membership.objects.create(project=other, user=tanaka, role="engineer")
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.CLOSED)
    client.force_login(tanaka)

    assert client.get(form_url(project)).status_code == 404
    assert f"/mypage/changes/{project.pk}/" not in client.get("/mypage/changes/").content.decode()
