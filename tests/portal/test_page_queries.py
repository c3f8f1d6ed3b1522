"""The portal pages of the load mix (bench/load.py) cost a fixed number of queries: the top page,
the status lookup and my page. (The desk detail's count: tests/desk/test_detail.py.)"""

from __future__ import annotations

import datetime as dt

import pytest

from calsreg.applications.models import Channel
from calsreg.applications.services import application_submit, submission_as_evidence
from calsreg.applications.validation import validate_application
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, valid_payload
from tests.portal.test_mypage import ACCOUNT_ID, PASSWORD, make_account

pytestmark = pytest.mark.django_db

EMAIL = "tanaka@echigo-kensetsu.example.co.jp"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC), tick=False)


def test_the_top_page_reads_the_notices_in_one_query(client, django_assert_num_queries):
    client.get("/")

    with django_assert_num_queries(1):
        response = client.get("/")

    assert response.status_code == 200


def test_the_status_lookup_finds_the_application_in_one_query(client, django_assert_num_queries):
    supervisor = SupervisorFactory()
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    application = application_submit(
        data=validate_application(raw, require_directory_supervisors=True),
        channel=Channel.WEB,
        actor=Actor.applicant(EMAIL),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
    )

    with django_assert_num_queries(1):
        response = client.post("/status/", {"receipt_number": application.receipt_number, "email": EMAIL})

    assert f"受付番号 {application.receipt_number} の状況" in response.content.decode()


def test_my_page_costs_five_queries(client, django_assert_num_queries):
    make_account()
    client.post("/mypage/login/", {"username": ACCOUNT_ID, "password": PASSWORD})

    with django_assert_num_queries(5):
        response = client.get("/mypage/")

    assert response.status_code == 200 and 'id="main"' in response.content.decode()
