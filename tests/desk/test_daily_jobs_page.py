"""The desk's daily-jobs history: staff only; each run's date, duration, counts and errors, failed runs
highlighted; Japanese and English."""

from __future__ import annotations

import datetime as dt

import pytest

from calsreg.accounts.models import Role
from calsreg.jobs.services import JobOutcome, daily_job_run_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 21, 0, tzinfo=dt.UTC)  # 2026-12-02 06:00 in Japan
URL = "/desk/jobs/"


@pytest.fixture
def runs():
    daily_job_run_record(
        started_at=T0,
        seconds=2.5,
        outcomes=[
            JobOutcome(name="invoice_drafts", handled=4, seconds=1.2),
            JobOutcome(name="staff_digest", handled=None, error="RuntimeError: boom", seconds=0.1),
        ],
    )
    daily_job_run_record(
        started_at=T0 - dt.timedelta(days=1),
        seconds=1.0,
        outcomes=[JobOutcome(name="invoice_drafts", handled=0)],
    )


def test_the_desk_sees_each_run_and_the_failed_one_highlighted(desk_client, runs):
    content = desk_client.get(URL).content.decode()

    assert "2026年12月2日(水) 06:00" in content
    assert "2.5秒" in content
    assert "請求書の下書き作成: 処理4件" in content
    assert "RuntimeError: boom" in content
    assert content.count('<tr class="failed">') == 1
    assert content.index("2026年12月2日") < content.index("2026年12月1日")
    assert 'href="/desk/jobs/" aria-current="page"' in content


def test_the_page_reads_in_english(desk_client, runs):
    desk_client.cookies["django_language"] = "en"

    response = desk_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    content = response.content.decode()
    assert "02 Dec 2026 06:00" in content
    assert "Invoice drafts: 4 handled" in content
    assert "Daily jobs" in content


def test_an_empty_history_says_so(desk_client):
    assert "まだ実行記録はありません。" in desk_client.get(URL).content.decode()


def test_anonymous_is_sent_to_the_login_page(client, runs):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/")


def test_the_billing_agent_is_refused_and_sees_no_error_text(client, runs):
    client.force_login(UserFactory(role=Role.BILLING_AGENT))

    response = client.get(URL)

    assert response.status_code == 403
    assert "RuntimeError" not in response.content.decode()
