"""Formula injection through the generated forms: the application workbook lists the directory's
office names and the change workbook pre-fills the registration (a co-member's name, the billing
addressee, the downloader's own name). Both are read back, so their text is kept exactly, but every
such cell is a text cell: the files hold no formula (no ``<f>``) whatever the stored text."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from calsreg.accounts.models import User
from calsreg.applications.models import Application
from tests.applications.files.workbooks import cell_by_name
from tests.core.export_helpers import CORPUS, formula_free_workbook, text_cells
from tests.factories import OfficeFactory
from tests.portal.test_change_mypage import filer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("typed", "_shown"), CORPUS)
def test_the_application_workbook_lists_an_office_name_that_looks_like_a_formula_as_text(
    client, typed, _shown
):
    OfficeFactory(name=typed)

    response = client.get("/downloads/application-form.xlsx")

    assert response.status_code == 200
    workbook = formula_free_workbook(response.content)
    assert text_cells(workbook, typed.replace("\r", "\n")) == [("リスト", "s")]


@pytest.mark.parametrize(("typed", "_shown"), CORPUS)
def test_the_change_workbook_pre_fills_registered_formulas_as_text(client, typed, _shown):
    with time_machine.travel(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False):
        project, tanaka, suzuki = filer()
        User.objects.filter(pk__in=[tanaka.pk, suzuki.pk]).update(display_name=typed)
        Application.objects.filter(pk=project.application_id).update(billing_addressee=typed)
        client.force_login(tanaka)

        response = client.get(f"/mypage/changes/{project.pk}/form.xlsx")

    assert response.status_code == 200
    workbook = formula_free_workbook(response.content)
    expected = typed.replace("\r", "\n")  # XML reads a carriage return in text as a line feed
    requester = cell_by_name(workbook, "R_requester_name")
    assert (requester.value, requester.data_type) == (expected, "s")
    addressee_row = cell_by_name(workbook, "C_billing_addressee").row
    addressee = workbook["変更申込書"].cell(row=addressee_row, column=3)
    assert (addressee.value, addressee.data_type) == (expected, "s")
    assert ("利用者", "s") in text_cells(workbook, expected)
    assert {data_type for _sheet, data_type in text_cells(workbook, expected)} == {"s"}
