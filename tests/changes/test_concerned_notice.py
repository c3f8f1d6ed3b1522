"""Filing a change to someone else's data tells that person (本人) at their address on file.

One contractor user (A, tanaka — also the 申込担当者 on file) asks, from their own my page, for another
user's (B, suzuki2) e-mail address to become an address A holds. Before item 3 only the addresses on
file of the applicant and the filer heard of it: B learned nothing until the takeover was done. Now B
is told at once, at B's registered (old) address, without the address asked for, that the help desk
will call B's number on file before anything changes. The same through the portal and the API; nobody
extra hears of a request about the filer's own data, and nothing is sent for a refused filing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from calsreg.accounts.models import Project, Role, User
from calsreg.changes.excel import change_workbook_build
from calsreg.changes.excel.cells import account_name
from calsreg.changes.models import ChangeRequest
from calsreg.changes.selectors import project_users_on_file
from calsreg.changes.services import change_request_submit
from calsreg.notifications.models import Delivery
from calsreg.notifications.rendering import RenderedMail, render_delivery
from calsreg.records.services import Actor
from tests.accounts.helpers import started
from tests.api.helpers import bearer, staff_token
from tests.applications.files.workbooks import filled
from tests.changes.callback_helpers import DURING_THE_WORKS, raw
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATTACKER_EMAIL = "tanaka.private@evil.example.net"
ATTACKER_PHONE = "090-6666-7777"
APPLICANT = "tanaka@echigo-kensetsu.example.co.jp"  # tanaka's, as 申込担当者 and as account
VICTIM = "suzuki@echigo-kensetsu.example.co.jp"
CONCERNED = "change_request_concerned"
RECEIVED = "change_request_received"
HOW_IT_GOES_ON = (
    "1. 変更の前に、ヘルプデスクから、あなたの「登録済みの電話番号」へご本人確認のお電話をします。\n"
    "   変更申込書に記載された電話番号へはおかけしません。\n"
)
IF_UNEXPECTED = "この申込にお心当たりのない場合は、第三者による申込のおそれがあります。\n至急、下記ヘルプデスクまでご連絡ください。"


@pytest.fixture(autouse=True)
def _during_the_works(time_machine) -> None:
    time_machine.move_to(DURING_THE_WORKS, tick=False)


def _members() -> tuple[Project, User, User]:
    project, accounts = started()
    User.objects.filter(pk__in=[user.pk for user in accounts]).update(must_change_password=False)
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    return project, tanaka, suzuki


def _my_page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _file_on_my_page(client: Client, project: Project, fields: dict[str, str]) -> Any:
    return client.post(
        f"/mypage/changes/{project.pk}/",
        {
            "requester_name": "田中 一郎",
            "requester_phone": "090-1234-5678",
            "reason": "メンバーの連絡先が変わったため",
            **fields,
            "action": "submit",
        },
    )


def _about_changes() -> Any:
    # The project's start of use sent the accounts their own notices before any change was filed.
    return Delivery.objects.filter(subject_type="changerequest")


def _sent() -> list[tuple[str, str]]:
    return list(_about_changes().order_by("pk").values_list("kind", "to_address"))


def _mail(kind: str, to: str) -> tuple[Delivery, RenderedMail]:
    delivery = Delivery.objects.get(kind=kind, to_address=to)
    return delivery, render_delivery(delivery=delivery)


def _carries_none_of(values: tuple[str, ...]) -> bool:
    """No stored context and no rendered mail holds any of ``values`` (the values asked for)."""
    for delivery in _about_changes():
        mail = render_delivery(delivery=delivery)
        text = json.dumps(delivery.context, ensure_ascii=False) + mail.subject + mail.body
        if any(value in text for value in values):
            return False
    return True


def test_a_member_filing_another_members_email_change_tells_that_member_at_the_registered_address():
    project, tanaka, suzuki = _members()

    response = _file_on_my_page(_my_page(tanaka), project, {f"acct-{suzuki.username}-email": ATTACKER_EMAIL})

    change = ChangeRequest.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/changes/receipt/{change.number}/")
    # The filer (the applicant on file too) is acknowledged; B is told once, at B's registered address.
    assert _sent() == [(RECEIVED, APPLICANT), (CONCERNED, VICTIM)]
    assert not Delivery.objects.filter(to_address=ATTACKER_EMAIL).exists()
    assert _carries_none_of((ATTACKER_EMAIL, "evil.example"))
    delivery, mail = _mail(CONCERNED, VICTIM)
    assert (delivery.language, delivery.subject_id, delivery.idempotency_key) == (
        "ja",
        change.pk,
        f"{CONCERNED}:{change.pk}:{suzuki.username}",
    )
    assert mail.subject == (
        f"【新潟県CALSシステム】重要：あなたの登録情報の変更申込がありました（変更受付番号：{change.number}）"
    )
    assert mail.body.startswith("株式会社越後建設\n鈴木 次郎 様\n")
    assert f"■ 変更受付番号：{change.number}\n" in mail.body
    assert (
        f"■ 受付の経路　：マイページ\n■ 申込者　　　：田中 一郎 様のアカウント（ID：{tanaka.username}）\n"
    ) in mail.body
    assert "■ 変更を求められたあなたの情報：\n　・利用者のメールアドレス\n\n" in mail.body
    assert HOW_IT_GOES_ON in mail.body and IF_UNEXPECTED in mail.body
    # Nothing changed: B's address is still B's.
    assert User.objects.get(pk=suzuki.pk).email == VICTIM


def test_several_items_of_the_same_member_make_one_notice_naming_each_without_the_values():
    project, tanaka, suzuki = _members()

    _file_on_my_page(
        _my_page(tanaka),
        project,
        {
            f"acct-{suzuki.username}-email": ATTACKER_EMAIL,
            f"acct-{suzuki.username}-phone": ATTACKER_PHONE,
        },
    )

    assert _sent() == [(RECEIVED, APPLICANT), (CONCERNED, VICTIM)]
    _delivery, mail = _mail(CONCERNED, VICTIM)
    assert "　・利用者のメールアドレス\n　・利用者の電話番号\n\n" in mail.body
    assert _carries_none_of((ATTACKER_EMAIL, ATTACKER_PHONE, "66667777"))


def test_a_request_about_the_filers_own_data_tells_nobody_else():
    project, _tanaka, suzuki = _members()

    response = _file_on_my_page(_my_page(suzuki), project, {f"acct-{suzuki.username}-phone": ATTACKER_PHONE})

    assert response.status_code == 302
    # The applicant on file and the filer, as before: no notice of the new kind.
    assert _sent() == [(RECEIVED, APPLICANT), (RECEIVED, VICTIM)]


def test_a_change_of_the_applicants_contact_by_a_member_reaches_the_applicant_once_naming_the_filer():
    """The 申込担当者's address on file always gets the acknowledgement: that is their one notice, now
    naming the filing account; the address asked for hears nothing."""
    project, tanaka, suzuki = _members()

    _file_on_my_page(_my_page(suzuki), project, {"new-applicant_email": ATTACKER_EMAIL})

    change = ChangeRequest.objects.get()
    assert _sent() == [(RECEIVED, APPLICANT), (RECEIVED, VICTIM)]
    _delivery, mail = _mail(RECEIVED, APPLICANT)
    assert (
        f"■ 受付の経路　：マイページ\n■ 申込者　　　：鈴木 次郎 様のアカウント（ID：{suzuki.username}）\n"
    ) in mail.body
    assert "　・申込担当者：メールアドレス\n" in mail.body
    assert _carries_none_of((ATTACKER_EMAIL,))
    assert change.items.get().field == "applicant_email"
    assert tanaka.email == APPLICANT


def test_the_input_corrections_quoting_a_new_address_go_only_to_the_filing_account():
    """A value typed in full width is corrected and the correction quoted — to the one who typed it."""
    project, _tanaka, suzuki = _members()

    _file_on_my_page(
        _my_page(suzuki), project, {"new-applicant_email": "ｔａｎａｋａ．ｐｒｉｖａｔｅ@evil.example.net"}
    )

    _delivery, filers = _mail(RECEIVED, VICTIM)
    _delivery, applicants = _mail(RECEIVED, APPLICANT)
    assert f"→ {ATTACKER_EMAIL}\n" in filers.body
    assert "自動で修正" not in applicants.body
    assert ATTACKER_EMAIL not in applicants.body and "evil.example" not in applicants.body


def test_an_anonymous_portal_filing_of_a_members_email_change_tells_that_member():
    project, _tanaka, suzuki = _members()

    response = Client().post(
        "/changes/",
        {
            "reference": project.application.receipt_number,
            "requester_name": "鈴木 次郎",
            "requester_phone": ATTACKER_PHONE,
            "requester_email": ATTACKER_EMAIL,
            "item_rows": "3",
            "row-1-field": "user.email",
            "row-1-target": suzuki.username,
            "row-1-value": ATTACKER_EMAIL,
        },
    )

    change = ChangeRequest.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/changes/receipt/{change.number}/")
    # The applicant on file and B; never the address written on the form or asked for.
    assert _sent() == [(RECEIVED, APPLICANT), (CONCERNED, VICTIM)]
    _delivery, mail = _mail(CONCERNED, VICTIM)
    assert (
        "■ 受付の経路　：ポータル（受付番号・工事番号）\n"
        "■ 申込者　　　：ログインなしの申込のため、確認できていません\n"
    ) in mail.body
    # The name written on the form is not told as the filer's: only what is on file is.
    assert "鈴木 次郎 様のアカウント" not in mail.body
    assert _carries_none_of((ATTACKER_EMAIL, ATTACKER_PHONE))


def test_an_uploaded_change_workbook_tells_the_member_concerned():
    project, tanaka, suzuki = _members()
    slot = 1 + [user.username for user in project_users_on_file(project)].index(suzuki.username)
    content = filled(
        change_workbook_build(project=project, requester=tanaka),
        {account_name(slot, "email"): ATTACKER_EMAIL},
    )
    workbook = SimpleUploadedFile(
        "変更申込書.xlsx",
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

    response = _my_page(tanaka).post(f"/mypage/changes/{project.pk}/upload/", {"workbook": workbook})

    change = ChangeRequest.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/changes/receipt/{change.number}/")
    assert [(item.field, item.target) for item in change.items.all()] == [("user.email", suzuki.username)]
    assert _sent() == [(RECEIVED, APPLICANT), (CONCERNED, VICTIM)]
    _delivery, mail = _mail(CONCERNED, VICTIM)
    assert (
        f"■ 受付の経路　：Excel変更申込書\n■ 申込者　　　：田中 一郎 様のアカウント（ID：{tanaka.username}）\n"
    ) in mail.body
    assert _carries_none_of((ATTACKER_EMAIL,))


def test_a_filing_through_the_api_tells_the_member_concerned(client):
    project, _tanaka, suzuki = _members()
    _staff, secret = staff_token(role=Role.HELP_DESK)

    response = client.post(
        "/api/changes",
        json.dumps(
            {
                "project_id": project.pk,
                "requester_name": "鈴木 次郎",
                "requester_phone": ATTACKER_PHONE,
                "items": [{"field": "user.email", "target": suzuki.username, "value": ATTACKER_EMAIL}],
            }
        ),
        content_type="application/json",
        **bearer(secret),
    )

    assert response.status_code == 201, response.json()
    assert _sent() == [(RECEIVED, APPLICANT), (CONCERNED, VICTIM)]
    _delivery, mail = _mail(CONCERNED, VICTIM)
    assert "■ 受付の経路　：API\n■ 申込者　　　：ヘルプデスクが受け付けて入力\n" in mail.body
    assert _carries_none_of((ATTACKER_EMAIL, ATTACKER_PHONE))


def test_a_refused_filing_sends_nothing_to_anyone():
    project, tanaka, suzuki = _members()
    deliveries = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))

    response = _file_on_my_page(
        _my_page(tanaka),
        project,
        {f"acct-{suzuki.username}-email": ATTACKER_EMAIL, "new-period_end": "2027-02-30"},
    )

    assert response.status_code == 422
    assert ChangeRequest.objects.count() == 0
    assert list(Delivery.objects.order_by("pk").values_list("pk", flat=True)) == deliveries
    assert User.objects.get(pk=suzuki.pk).email == VICTIM


def test_the_notice_is_in_the_language_of_the_request():
    project, tanaka, suzuki = _members()

    change = change_request_submit(
        project=project,
        raw=raw({"field": "user.phone", "target": suzuki.username, "value": ATTACKER_PHONE}),
        channel="my_page",
        actor=Actor.staff(UserFactory(role=Role.HELP_DESK)),
        filed_by=tanaka,
        language="en",
    )

    delivery, mail = _mail(CONCERNED, VICTIM)
    assert delivery.language == "en"
    assert mail.subject == (
        "[Niigata CALS System] Important: a change to your registered details was requested "
        f"({change.number})"
    )
    assert mail.body.startswith("鈴木 次郎\n株式会社越後建設\n")
    assert (
        "1. Before anything changes, the help desk will call you at your phone number already registered."
        in (mail.body)
    )
    assert (
        f"- Filed through:  My Page\n- Filed by:       the account of 田中 一郎 (ID {tanaka.username})\n"
        in (mail.body)
    )
    assert _carries_none_of((ATTACKER_PHONE,))
