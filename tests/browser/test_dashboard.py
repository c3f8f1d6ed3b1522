"""The desk's daily tools in a real browser: the dashboard with its SVG charts and figures, "my work"
with an assigned application and its timer, taking an unassigned one; the administrator's receivables."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page

from calsreg.accounts.models import Role
from calsreg.applications.models import Application
from calsreg.applications.states import Status
from calsreg.core import clock
from calsreg.core.business_hours import JAPAN
from calsreg.core.calendar import is_business_day
from calsreg.desk.dashboard.rebuild import lead_times_rebuild
from calsreg.desk.dashboard.selectors import week_start
from calsreg.directory.demo import load_demo_directory
from calsreg.directory.models import OrdererOffice
from calsreg.records.services import Actor
from tests.desk.helpers import make_application
from tests.desk.work_helpers import change_request, invoice, project
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
WEEKS = 12


def _in_desk_hours(rng: random.Random, moment: datetime) -> datetime:
    """The first desk-hours moment at or after ``moment`` (9–17 on a business day, Japan time)."""
    local = moment.astimezone(JAPAN)
    if is_business_day(local.date()) and 9 <= local.hour < 17:
        return local
    day = local.date() + timedelta(days=0 if local.hour < 9 else 1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 9, tzinfo=JAPAN) + timedelta(minutes=rng.randrange(480))


def _status_for(rng: random.Random, age_days: float) -> str:
    if age_days < 7:
        choices = [Status.SUBMITTED, Status.AWAITING_CONFIRMATION, Status.CONFIRMED, Status.RETURNED]
        return rng.choices(choices, weights=[35, 35, 20, 10])[0]
    if age_days < 21:
        choices = [
            Status.AWAITING_CONFIRMATION,
            Status.CONFIRMED,
            Status.REGISTERED,
            Status.IN_SERVICE,
            Status.WITHDRAWN,
        ]
        return rng.choices(choices, weights=[15, 15, 25, 40, 5])[0]
    return rng.choices([Status.IN_SERVICE, Status.REJECTED, Status.WITHDRAWN], weights=[88, 6, 6])[0]


def _twelve_weeks_of_work(now: datetime) -> None:
    """About 90 applications received over the last twelve weeks in desk hours, each with the step
    timestamps its status implies (the desk works within its hours)."""
    load_demo_directory(actor=Actor.system("demo"))
    offices = list(OrdererOffice.objects.filter(active=True).order_by("code"))
    rng = random.Random(12)
    for number in range(1, 91):
        received = _in_desk_hours(rng, now - timedelta(days=rng.uniform(0.2, WEEKS * 7 - 1)))
        if received >= now:
            received = now - timedelta(hours=1)
        status = _status_for(rng, (now - received).days)
        steps = {Status.CONFIRMED: 1, Status.REGISTERED: 2, Status.IN_SERVICE: 3}.get(status, 0)
        stamps: dict[str, datetime] = {}
        previous = received
        for field, median_days in (("confirmed_at", 1.5), ("registered_at", 0.4), ("in_service_at", 2.5))[
            :steps
        ]:
            previous = min(
                _in_desk_hours(rng, previous + timedelta(days=rng.lognormvariate(0, 0.7) * median_days)), now
            )
            stamps[field] = previous
        make_application(
            office=offices[number % len(offices)],
            number=number,
            submitted_at=received,
            status=status,
            **stamps,
        )
    lead_times_rebuild()  # the rows above were written around the services, as a bulk load is


def _sign_in(page: Page, base: str, *, username: str, next_path: str) -> None:
    page.goto(f"{base}{next_path}")
    assert page.url.startswith(f"{base}/desk/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(f"{base}{next_path}")


def test_an_operator_reads_the_dashboard_and_works_their_cases(live_server, page, screenshot):
    now = clock.now()
    _twelve_weeks_of_work(now)
    operator = UserFactory(username="uketsuke", role=Role.HELP_DESK, display_name="受付 花子")
    UserFactory(username="kanri", role=Role.ADMINISTRATOR, display_name="管理 太郎")
    mine = Application.objects.filter(status=Status.AWAITING_CONFIRMATION).order_by("submitted_at").first()
    assert mine is not None
    Application.objects.filter(pk=mine.pk).update(assigned_to=operator)
    owner = project()
    change_request(project=owner, status="submitted", submitted_at=now - timedelta(days=2))
    change_request(
        project=owner,
        status="applied",
        submitted_at=now - timedelta(days=20),
        verified_at=now - timedelta(days=19),
        applied_at=now - timedelta(days=18),
    )
    today = clock.today()
    for days_overdue, total in ((-20, 66_000), (12, 44_000), (40, 26_400), (75, 13_200), (130, 8_800)):
        invoice(total=total, due_on=today - timedelta(days=days_overdue))
    base = live_server.url

    _sign_in(page, base, username="uketsuke", next_path="/desk/dashboard/")

    assert page.locator("h1").inner_text() == "ダッシュボード"
    weekly = page.locator('svg[aria-labelledby="weekly-title weekly-desc"]')
    assert weekly.is_visible()
    assert weekly.locator("title").first.text_content() == "週ごとの受付件数（状態別、直近12週）"
    assert weekly.locator("rect").count() >= WEEKS  # at least one segment a week
    submitted = Application.objects.filter(status=Status.SUBMITTED).count()
    assert page.locator('#application-counts td[data-status="submitted"]').inner_text() == str(submitted)
    total = Application.objects.count()
    assert page.locator("#application-counts tfoot td").inner_text() == str(total)
    weekly_total = sum(
        int(cell) for cell in page.locator("#weekly-table tbody td:last-child").all_inner_texts()
    )
    first_monday = week_start(clock.today()) - timedelta(weeks=WEEKS - 1)
    since = datetime(first_monday.year, first_monday.month, first_monday.day, tzinfo=JAPAN)
    assert weekly_total == Application.objects.filter(submitted_at__gte=since).count()
    lead = page.locator('#lead-applications-table tr[data-step="received_confirmed"] td')
    assert int(lead.nth(0).inner_text()) > 0
    assert re.fullmatch(r"(\d+営業日(と.+)?|\d+時間(\d+分)?|\d+分)", lead.nth(1).inner_text())
    assert page.locator('svg[aria-labelledby="lead-applications-title lead-applications-desc"]').is_visible()
    assert page.locator("#section-receivables").count() == 0  # the help desk sees no billing figures

    page.get_by_role("link", name="自分の担当").click()

    page.wait_for_url(f"{base}/desk/work/")
    rows = page.locator("table.work tbody tr")
    assert rows.count() == 1
    assert rows.first.get_by_role("link", name=mine.receipt_number).is_visible()
    assert rows.first.locator("td.timer").inner_text() != "—"

    page.get_by_role("link", name="担当する案件を選ぶ").click()

    page.wait_for_url(f"{base}/desk/work/unassigned/")
    first = page.locator('table.work tbody tr[data-kind="application"]').first
    taken = first.get_attribute("data-pk")
    first.get_by_role("button", name="担当する").click()
    page.wait_for_url(f"{base}/desk/work/unassigned/")
    assert page.get_by_text("担当者を受付 花子にしました。").is_visible()
    assert Application.objects.get(pk=taken).assigned_to == operator

    page.get_by_role("link", name="自分の担当").first.click()
    page.wait_for_url(f"{base}/desk/work/")
    assert page.locator("table.work tbody tr").count() == 2
    screenshot(page, "my-work")

    page.get_by_role("link", name=mine.receipt_number).click()

    page.wait_for_url(re.compile(rf"/desk/applications/{mine.pk}/$"))
    assert page.locator("#assigned-to").inner_text() == "受付 花子"
    running = page.locator('table.step-timers tr[aria-current="step"]')
    assert running.get_attribute("data-step") == "received_confirmed"
    assert running.get_by_text("進行中").is_visible()
    assert running.locator("td.num").inner_text() != "—"

    page.get_by_role("button", name="ログアウト").click()
    _sign_in(page, base, username="kanri", next_path="/desk/dashboard/")

    receivables = page.locator("#receivables-table")
    assert receivables.locator('tr[data-bucket="total"] td').last.inner_text() == "158,400円"
    assert receivables.locator('tr[data-bucket="overdue"] td').last.inner_text() == "92,400円"
    assert page.locator('svg[aria-labelledby="receivables-title receivables-desc"] rect').count() == 5
    screenshot(page, "dashboard")
