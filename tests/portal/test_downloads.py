"""Downloads: the workbook built from the directory, and the terms as a PDF with its font embedded."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from calsreg.directory.demo import load_demo_directory
from calsreg.directory.models import OrdererOffice
from calsreg.records.services import Actor

pytestmark = pytest.mark.django_db


def test_the_workbook_is_a_valid_xlsx_listing_the_active_offices(client):
    load_demo_directory(actor=Actor.system())
    closed = OrdererOffice.objects.order_by("code").last()
    OrdererOffice.objects.filter(pk=closed.pk).update(active=False)

    response = client.get("/downloads/application-form.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == (
        'attachment; filename="cals-application-form.xlsx"; '
        "filename*=UTF-8''CALS%E5%88%A9%E7%94%A8%E7%94%B3%E8%BE%BC%E6%9B%B8.xlsx"
    )
    workbook = load_workbook(BytesIO(response.content))
    cells = {str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row}
    active = set(OrdererOffice.objects.filter(active=True).values_list("name", flat=True))
    assert len(active) == 11
    assert active <= cells
    assert closed.name not in cells
    assert "F_project_name" in workbook.defined_names


def test_the_terms_pdf_has_the_japanese_title_and_embeds_the_font(client):
    response = client.get("/downloads/terms.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''CALS%E5%88%A9%E7%94%A8%E8%A6%8F%E7%B4%84.pdf" in response["Content-Disposition"]
    reader = PdfReader(BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "新潟県CALSシステム 利用規約" in text
    assert "版: 2026-04" in text
    assert "第9条（利用の停止）" in text
    assert reader.metadata.title == "新潟県CALSシステム 利用規約"
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    japanese = [font for font in fonts if "IPAexGothic" in str(font["/BaseFont"])]
    assert japanese
    assert all("/FontFile2" in font["/FontDescriptor"].get_object() for font in japanese)
