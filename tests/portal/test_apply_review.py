"""The confirmation page before a web application is sent, and the PDF copy of what was sent."""

import re
import subprocess

import pytest
import time_machine
from django.test import Client

from calsreg.applications.models import Application, ApplicationUser
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from tests.factories import SupervisorFactory
from tests.portal.helpers import form_post

pytestmark = pytest.mark.django_db

A_DAY = "2026-11-24 10:00 +0900"


def _stored():
    return (
        Application.objects.count(),
        ApplicationUser.objects.count(),
        Evidence.objects.count(),
        AuditEvent.objects.count(),
        Delivery.objects.count(),
    )


def _hidden_inputs(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)


@pytest.fixture
def supervisor():
    return SupervisorFactory(name="信濃 監督", title="chief_supervisor")


def test_the_form_s_button_shows_what_will_be_sent_and_stores_nothing(supervisor):
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], action="review")

    response = Client().post("/apply/", body)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>申込内容の確認</h1>" in page
    assert "<dt>工事名</dt><dd>信濃川護岸設置工事</dd>" in page
    assert "<dt>請負金額（円・税込）</dt><dd>48,400,000円</dd>" in page
    assert "<dt>工期（開始日）</dt><dd>2026年12月1日(火)</dd>" in page
    assert "<dt>役割</dt><dd>現場代理人</dd>" in page
    assert "<li>信濃 監督（主任監督員）</li>" in page
    assert 'name="action" value="submit">この内容で申し込む</button>' in page
    assert _stored() == (0, 0, 0, 0, 0)


def test_a_form_with_errors_goes_back_to_the_form_not_to_the_confirmation_page(supervisor):
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], action="review", project_name="")

    response = Client().post("/apply/", body)

    assert response.status_code == 422
    assert "申込内容の確認" not in response.content.decode()
    assert _stored() == (0, 0, 0, 0, 0)


def test_sending_the_confirmation_page_records_exactly_what_it_showed(supervisor):
    client = Client()
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], action="review")
    confirmation = client.post("/apply/", body).content.decode()

    response = client.post("/apply/", dict(_hidden_inputs_as_post(confirmation), action="submit"))

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.project_name == "信濃川護岸設置工事"
    assert list(application.supervisors.all()) == [supervisor]
    assert sorted(application.users.values_list("requested_id", flat=True)) == ["suzuki2", "tanaka"]


def _hidden_inputs_as_post(page: str) -> dict[str, list[str]]:
    post: dict[str, list[str]] = {}
    for name, value in _hidden_inputs(page):
        if name != "csrfmiddlewaretoken":
            post.setdefault(name, []).append(value)
    return post


def test_back_to_the_form_keeps_every_value(supervisor):
    client = Client()
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], action="review")
    confirmation = client.post("/apply/", body).content.decode()

    response = client.post("/apply/", dict(_hidden_inputs_as_post(confirmation), action="edit"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="project_name" name="project_name" type="text" value="信濃川護岸設置工事"' in page
    assert 'id="users-2-requested_id" name="users-2-requested_id" type="text" value="suzuki2"' in page
    assert f'value="{supervisor.pk}" id="supervisor-{supervisor.pk}" checked>' in page
    assert Application.objects.count() == 0


@time_machine.travel(A_DAY, tick=False)
def test_the_sender_downloads_a_pdf_copy_of_what_was_sent(supervisor):
    client = Client()
    client.post("/apply/", form_post(for_office=supervisor.office, supervisors=[supervisor]))
    application = Application.objects.get()

    receipt = client.get(f"/apply/receipt/{application.receipt_number}/").content.decode()
    response = client.get(f"/apply/receipt/{application.receipt_number}/application.pdf")

    assert f'href="/apply/receipt/{application.receipt_number}/application.pdf"' in receipt
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert application.receipt_number in text
    assert "2026年11月24日(火) 10:00" in text
    for expected in (
        "信濃川護岸設置工事",
        "48,400,000円",
        "株式会社越後建設",
        "tanaka@echigo-kensetsu.example.co.jp",
        "suzuki2",
        "信濃 監督（主任監督員）",
    ):
        assert expected in text


def test_another_browser_cannot_download_the_pdf_of_an_application_by_its_number(supervisor):
    Client().post("/apply/", form_post(for_office=supervisor.office, supervisors=[supervisor]))
    application = Application.objects.get()
    before = _stored()

    response = Client().get(f"/apply/receipt/{application.receipt_number}/application.pdf")

    assert response.status_code == 404
    assert response["Content-Type"] != "application/pdf"
    assert _stored() == before
