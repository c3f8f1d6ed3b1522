"""The demo's mails and workbooks link to the address the demo runs on (CALSREG_SITE_URL, which
`make demo` sets from HOST and PORT), never to a port written in the code."""

import datetime as dt
import re
from io import BytesIO, StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from openpyxl import load_workbook

from calsreg.directory.demo import load_demo_directory
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.services import Actor

pytestmark = pytest.mark.django_db

DEMO_SITE = "http://192.0.2.10:8123"
A_DEMO_DAY = dt.datetime(2026, 12, 7, 1, tzinfo=dt.UTC)


def _links(text: str) -> set[str]:
    return set(re.findall(r"https?://[^/\s）)」]+", text))


def test_every_link_in_the_demo_mails_names_the_demo_s_own_host_and_port(settings):
    settings.SITE_URL = DEMO_SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(A_DEMO_DAY, tick=False):
        call_command("load_demo_data", stdout=StringIO())
        deliveries_send_due()  # any still queued (the test run's tasks mostly send at once)

    bodies = [message.body for message in mail.outbox]
    assert len(bodies) > 10
    links = set().union(*(_links(body) for body in bodies))
    assert DEMO_SITE in links
    assert {link for link in links if "192.0.2.10" in link or "127.0.0.1" in link} == {DEMO_SITE}


def test_the_demo_command_prints_its_own_address_for_the_logins(settings):
    settings.SITE_URL = DEMO_SITE
    out = StringIO()
    with time_machine.travel(A_DEMO_DAY, tick=False):
        call_command("load_demo_data", stdout=out)

    assert f"{DEMO_SITE}/desk/" in out.getvalue()
    assert ":8000" not in out.getvalue()


def test_the_application_workbook_names_the_demo_s_own_address(client, settings):
    settings.SITE_URL = DEMO_SITE
    load_demo_directory(actor=Actor.system("demo"))

    response = client.get("/downloads/application-form.xlsx")

    book = load_workbook(
        BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    )
    texts = [str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row if cell.value]
    assert any(DEMO_SITE in text for text in texts)
    assert not any(":8000" in text for text in texts)
