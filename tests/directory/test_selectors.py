"""Reads of the directory used by the application form, the workbook and the desk."""

from __future__ import annotations

import pytest

from calsreg.directory.models import OrdererOffice
from calsreg.directory.selectors import office_by_code_or_name, offices_active, supervisors_of_office
from calsreg.directory.services import directory_import_csv
from calsreg.records.services import Actor
from tests.directory.factories import csv_bytes, row, two_offices

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    rows = [
        *two_offices(),
        row(code="150303", name="斎藤　恵", kana="サイトウ　メグミ", title="総括監督員"),
        row(code="150300", name="小林　由美", kana="コバヤシ　ユミ", title="監督員", active="0"),
    ]
    report = directory_import_csv(content=csv_bytes(rows), actor=Actor.system("test"))
    assert report.errors == []


@pytest.mark.parametrize(
    "value",
    ["1503", "１５０３", " 1503\u3000", "新潟地域振興局 地域整備部", "\u3000新潟地域振興局 地域整備部 "],
)
def test_office_by_code_or_name_finds_the_office(directory, value):
    assert office_by_code_or_name(value).code == "1503"


@pytest.mark.parametrize("value", ["", "  ", "1599", "新潟地域振興局", "新潟地域振興局　地域整備部"])
def test_office_by_code_or_name_needs_an_exact_match(directory, value):
    assert office_by_code_or_name(value) is None


def test_inactive_office_is_not_offered(directory, django_assert_num_queries):
    OrdererOffice.objects.filter(code="1505").update(active=False)

    with django_assert_num_queries(1):
        assert office_by_code_or_name("1505") is None
    assert [office.code for office in offices_active()] == ["1503"]


def test_supervisors_of_office_are_active_ones_most_senior_first(directory):
    office = OrdererOffice.objects.get(code="1503")

    assert [(s.code, s.title) for s in supervisors_of_office(office=office)] == [
        ("150303", "general_supervisor"),
        ("150301", "chief_supervisor"),
        ("150302", "supervisor"),
    ]
