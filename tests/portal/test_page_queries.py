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


def test_the_top_pages_cached_parts_follow_the_language_and_the_signed_in_holder(client):
    # given: the Japanese top page rendered (and its unchanging parts cached) for an anonymous visitor
    japanese = client.get("/").content.decode()

    # when: the same visitor switches to English, then an account holder signs in
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    make_account()
    client.post("/mypage/login/", {"username": ACCOUNT_ID, "password": PASSWORD})
    signed_in = client.get("/").content.decode()

    # then: each sees its own language's guide, footer and menu, never another's cached copy
    assert "ご利用開始までの流れ" in japanese and "Steps to start using the system" not in japanese
    assert "Steps to start using the system" in english and "ご利用開始までの流れ" not in english
    assert "Preventing impersonation" in english and "なりすまし防止のために" not in english
    assert 'class="nav-account" href="/mypage/login/"' in japanese
    assert 'class="nav-account" href="/mypage/"' in signed_in
    assert 'class="nav-account" href="/mypage/login/"' not in signed_in
