"""Formula injection through the desk's exports: text an applicant (or the directory) holds that a
spreadsheet would run, downloaded by the billing agent or the help desk, comes out as text.

Each test puts the corpus string where an attacker can put it (the application's billing addressee
and project number, the orderer office's name, the directory's names and address), downloads the file
through its real view, and reads it back: CSV with the csv module, workbooks by their XML (no ``<f>``)
and with openpyxl (the escaped text, typed as text).
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.models import Invoice, InvoiceStatus
from calsreg.billing.services import billing_run, invoice_void
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst
from tests.core.export_helpers import CORPUS, CORPUS_VALUES, csv_rows, formula_free_workbook
from tests.factories import OfficeFactory, OrganisationFactory, SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _agent(client):
    client.force_login(UserFactory(role=Role.BILLING_AGENT))


def _typed_invoice(typed: str) -> Invoice:
    """A draft whose addressee and project number the applicant typed and whose office the directory holds."""
    return drafted(office=OfficeFactory(name=typed), billing_addressee=typed, project_number=typed)


def _credit_note(*, billing_addressee: str) -> Invoice:
    """An issued invoice voided by its credit note, whose amounts are negative."""
    invoice = drafted(started_at=jst(2026, 11, 2), billing_addressee=billing_addressee)
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    with time_machine.travel(jst(2026, 12, 3, 10), tick=False):
        return invoice_void(invoice=invoice, reason="宛先誤り", actor=ACTOR)


@pytest.mark.parametrize(("typed", "shown"), CORPUS)
def test_the_invoice_csv_shows_a_typed_formula_as_text(client, typed, shown):
    configured()
    _typed_invoice(typed)
    _agent(client)

    response = client.get(reverse("desk:billing_invoices_csv"))

    assert response.status_code == 200
    header, row = csv_rows(response.content)
    cells = dict(zip(header, row, strict=True))
    assert (cells["宛名"], cells["工事番号"], cells["発注事務所"]) == (shown, shown, shown)


@pytest.mark.parametrize(("typed", "shown"), CORPUS)
def test_the_invoice_workbook_holds_a_typed_formula_as_escaped_text(client, typed, shown):
    configured()
    _typed_invoice(typed)
    _agent(client)

    response = client.get(reverse("desk:billing_invoices_xlsx"))

    sheet = formula_free_workbook(response.content).active
    cells = {header.value: cell for header, cell in zip(sheet[1], sheet[2], strict=True)}
    expected = shown.replace("\r", "\n")  # XML reads a carriage return in text as a line feed
    for column in ("宛名", "工事番号", "発注事務所"):
        assert (cells[column].value, cells[column].data_type) == (expected, "s")


def test_a_credit_notes_negative_amounts_stay_numbers_in_the_csv_and_the_workbook(client):
    configured()
    credit = _credit_note(billing_addressee="-株式会社越後建設")

    with time_machine.travel(jst(2026, 12, 3, 11), tick=False):
        _agent(client)
        csv_content = client.get(reverse("desk:billing_invoices_csv"), {"status": "issued"}).content
        xlsx_content = client.get(reverse("desk:billing_invoices_xlsx"), {"status": "issued"}).content

    header, row = csv_rows(csv_content)
    assert (row[0], row[header.index("宛名")]) == (credit.number, "'-株式会社越後建設")
    # 合計, 入金済み, 減額, 残額: the credit note owes nothing itself (its invoice's 残額 counts it).
    assert row[-4:] == ["-17600", "0", "0", "0"]
    sheet = formula_free_workbook(xlsx_content).active
    assert [(cell.value, cell.data_type) for cell in sheet[2][-4:]] == [
        (-17_600, "n"),
        (0, "n"),
        (0, "n"),
        (0, "n"),
    ]


def test_the_aging_workbook_has_no_formula_and_typed_numbers(client):
    configured()
    invoice = drafted()
    Invoice.objects.filter(pk=invoice.pk).update(
        status=InvoiceStatus.POSTED,
        number="2026-000001",
        issue_date=date(2026, 12, 1),
        due_on=date(2027, 4, 30),
    )

    with time_machine.travel(jst(2027, 5, 1), tick=False):
        _agent(client)
        response = client.get(reverse("desk:billing_aging_xlsx"))

    sheet = formula_free_workbook(response.content).active
    rows = [row for row in sheet.iter_rows(min_row=2) if row[0].value is not None]
    assert {row[0].data_type for row in rows} == {"s"}
    assert {cell.data_type for row in rows[:-1] for cell in row[1:]} == {"n"}
    assert (rows[-1][0].value, rows[-1][1].data_type) == ("基準日", "d")


def test_the_mailing_list_of_a_run_shows_every_typed_formula_as_text(client):
    configured()
    for day, (typed, _shown) in enumerate(CORPUS_VALUES, start=1):
        drafted(
            started_at=jst(2026, 10, day),
            billing_addressee=typed,
            billing_department=typed,
            billing_address=typed,
            billing_postcode="950-0088",  # a postcode is validated as digits, so nothing is typed there
        )

    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        run = billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
        _agent(client)
        response = client.get(reverse("desk:billing_run_file", args=[run.pk, "mailing"]))

    assert response.status_code == 200
    header, *rows = csv_rows(b"".join(response.streaming_content))
    assert header == [
        "郵便番号",
        "住所",
        "宛名",
        "部署名",
        "請求書番号",
        "敬称",
        "交付方式",
        "記載の事業者",
        "登録番号",
    ]
    typed_by_number = dict(
        Invoice.objects.filter(status=InvoiceStatus.ISSUED).values_list("number", "billing_addressee")
    )
    shown_by_typed = dict(CORPUS_VALUES)
    assert len(rows) == len(CORPUS_VALUES)
    for postcode, address, addressee, department, number, _honorific, *_issuer in rows:
        shown = shown_by_typed[typed_by_number[number]]
        assert (postcode, address, addressee, department) == ("950-0088", shown, shown, shown)


@pytest.mark.parametrize(("typed", "shown"), CORPUS)
def test_the_directory_csv_shows_a_formula_held_in_the_directory_as_text(desk_client, typed, shown):
    office = OfficeFactory(organisation=OrganisationFactory(name=typed), name=typed, address=typed)
    SupervisorFactory(office=office, name=typed, kana=typed)

    response = desk_client.get(reverse("desk:directory_export"))

    assert response.status_code == 200
    header, row = csv_rows(response.content)
    cells = dict(zip(header, row, strict=True))
    assert [cells[column] for column in ("発注機関名", "事務所名", "事務所住所", "氏名", "氏名フリガナ")] == [
        shown
    ] * 5
