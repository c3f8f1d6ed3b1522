"""The desk's one search box: every kind of key finds its row, whatever its width, kana or formatting;
the billing agent finds projects only; the number of queries does not depend on the data."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from calsreg.accounts.models import Project, Role
from calsreg.directory.models import Supervisor
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, started
from tests.desk.helpers import make_application
from tests.factories import OfficeFactory, SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = A_DAY_OF_THE_PERIOD + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _search(client, q):
    return client.get("/desk/search/", {"q": q})


def _page(client, q):
    response = _search(client, q)
    assert response.status_code == 200
    return response.content.decode()


def _holder():
    project, accounts = started()
    return project, next(user for user in accounts if user.role == Role.CONTRACTOR)


def test_a_full_user_id_goes_straight_to_the_account_page(desk_client):
    _, holder = _holder()

    response = _search(desk_client, holder.username.upper())

    assert response.status_code == 302 and response["Location"] == f"/desk/accounts/{holder.pk}/"


def test_a_full_receipt_number_in_full_width_goes_straight_to_the_application(desk_client):
    application = make_application(office=OfficeFactory(), number=7)
    wide = application.receipt_number.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})

    response = _search(desk_client, wide)

    assert response.status_code == 302
    assert response["Location"] == f"/desk/applications/{application.pk}/"


@pytest.mark.parametrize(
    "typed", ["090-1234-5678", "０９０１２３４５６７８", "(090)1234-5678", "090 1234 5678"]
)
def test_a_phone_number_in_any_formatting_finds_the_account_and_its_application(desk_client, typed):
    project, holder = _holder()

    content = _page(desk_client, typed)

    assert holder.username in content
    assert project.application.receipt_number in content


def test_hiragana_finds_a_katakana_name(desk_client):
    _, holder = _holder()

    content = _page(desk_client, "たなか　いちろう")

    assert holder.username in content


def test_a_name_without_its_space_finds_the_person(desk_client):
    supervisor = SupervisorFactory(name="小林 正", kana="コバヤシ タダシ")

    content = _page(desk_client, "小林正")

    assert supervisor.office.name in content and "コバヤシ タダシ" in content


def test_an_e_mail_address_is_found_whatever_its_case(desk_client):
    supervisor = SupervisorFactory(email="kobayashi.t@office.example.pref-niigata.jp")

    content = _page(desk_client, "Kobayashi.T@Office.Example.Pref-Niigata.JP")

    assert supervisor.name in content


def test_part_of_a_project_name_finds_the_application_and_the_project(desk_client):
    project, _ = _holder()

    content = _page(desk_client, "護岸")

    assert project.application.receipt_number in content
    assert f'href="/desk/projects/{project.pk}/"' in content
    assert project.get_status_display() in content


def test_part_of_a_project_name_in_other_kana_and_width_finds_the_application(desk_client):
    office = OfficeFactory()
    katakana = make_application(office=office, number=1, project_name="ゴガン補修工事")
    wide = make_application(office=office, number=2, project_name="ＡＢ工区 整備工事")
    make_application(office=office, number=3, project_name="舗装補修工事")

    assert katakana.receipt_number in _page(desk_client, "ごがん")
    assert katakana.receipt_number in _page(desk_client, "ｺﾞｶﾞﾝ")
    content = _page(desk_client, "ab工区")
    assert wide.receipt_number in content
    assert "R2026-000003" not in content


def test_a_company_is_found_without_its_legal_form(desk_client):
    project, _ = _holder()

    content = _page(desk_client, "越後建設")

    assert project.project_number in content


def test_nothing_found_says_so_in_japanese(desk_client):
    _holder()

    content = _page(desk_client, "存在しない名前")

    assert "「存在しない名前」に一致するものは見つかりませんでした。" in content


def test_the_box_is_on_every_desk_page_with_a_label_and_role_search(desk_client):
    content = desk_client.get("/desk/").content.decode()

    assert 'role="search"' in content and 'action="/desk/search/"' in content
    assert '<label for="desk-search-q"' in content


def test_the_billing_agent_finds_the_project_but_no_personal_data(client):
    project, holder = _holder()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))

    by_name = _page(client, "護岸")
    by_phone = _page(client, "09012345678")
    by_id = _page(client, holder.username)

    assert project.project_number in by_name
    assert project.application.receipt_number not in by_name  # applications hold applicants' data
    for content in (by_phone, by_id):
        assert f"/desk/accounts/{holder.pk}/" not in content and "/desk/applications/" not in content
        assert "見つかりませんでした" in content


def test_an_account_holder_is_refused_the_search(client):
    _, holder = _holder()
    client.force_login(holder)
    audit_rows = AuditEvent.objects.count()

    response = _search(client, holder.username)

    assert response.status_code == 403
    assert b"search-accounts" not in response.content and b"/desk/accounts/" not in response.content
    assert AuditEvent.objects.count() == audit_rows


def test_anonymous_is_sent_to_the_desk_login(client):
    response = _search(client, "090-1234-5678")

    assert response.status_code == 302 and response["Location"].startswith("/desk/login/")


def _many(n):
    office = OfficeFactory()
    for i in range(n):
        make_application(office=office, number=100 + i, applicant_phone="090-5555-0000")
        SupervisorFactory(office=office, name=f"小林 {i}郎", kana="コバヤシ イチロウ")
    for _ in range(n):
        UserFactory(role=Role.CONTRACTOR, display_name="小林 太郎", kana="コバヤシ タロウ")


@pytest.mark.parametrize("n", [1, 30])
def test_search_costs_the_same_queries_for_1_or_30_rows(desk_client, django_assert_num_queries, n):
    _many(n)
    _page(desk_client, "小林")  # warm-up: session and user loaded the same way each time

    # session, user; applications: by key, by project name, their users' keys, those applications;
    # projects: by key, by name; accounts and their memberships; directory people
    with django_assert_num_queries(12):
        content = _page(desk_client, "小林")

    assert content.count("小林") >= n
    assert Supervisor.objects.count() == n and Project.objects.count() == 0


def test_part_of_a_project_name_in_other_kana_and_width_finds_the_project(client):
    # given a project renamed after its application (only the project holds the new name)
    project, _ = _holder()
    project.name = "ゴガン改修ＡＢ工区"
    project.save(update_fields=["name"])
    client.force_login(UserFactory(role=Role.BILLING_AGENT))  # who finds projects only

    # then its name is found in any kana or width, and the old name no longer finds it
    for typed in ("ごがん", "ｺﾞｶﾞﾝ", "ab工区"):
        assert f'href="/desk/projects/{project.pk}/"' in _page(client, typed)
    assert f'href="/desk/projects/{project.pk}/"' not in _page(client, "護岸")
