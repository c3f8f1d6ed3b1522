"""The dashboard: who sees which panel, the figures (counts, weeks, lead times, receivables), the SVG
charts with their table fallback, and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.applications.models import Application
from calsreg.applications.states import Status
from calsreg.billing.models import InvoiceKind, InvoiceStatus
from calsreg.desk.dashboard.charts import nice_scale
from calsreg.desk.dashboard.selectors import percentile
from tests.desk.work_helpers import application, change_request, invoice, jst, paid_in_part, project, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = jst("2026-11-24", 15)  # a Tuesday; the week began on Monday 11/23 (勤労感謝の日)
TODAY = NOW.date()
URL = "/desk/dashboard/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _page(client, role: str = Role.HELP_DESK) -> str:
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("desk:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def _cells(content: str, table_id: str) -> dict[str, list[str]]:
    """Rows of one table: the row header's text → the texts of its data cells."""
    table = content.split(f'id="{table_id}"')[1].split("</table>")[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if header:
            label = re.sub(r"<[^>]+>", "", header.group(1)).strip()
            rows[label] = [
                re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            ]
    return rows


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "work", "billing"),
    [
        (None, 302, False, False),
        (Role.CONTRACTOR, 403, False, False),
        (Role.SUPERVISOR, 403, False, False),
        (Role.HELP_DESK, 200, True, False),
        (Role.BILLING_AGENT, 200, False, True),
        (Role.ADMINISTRATOR, 200, True, True),
    ],
)
def test_each_role_sees_its_own_panels(client, role, status, work, billing):
    invoice(total=12_345, due_on=TODAY - dt.timedelta(days=3))
    sign_in(client, role)

    response = client.get(reverse("desk:dashboard"))

    assert response.status_code == status
    content = response.content.decode()
    assert ('id="section-counts"' in content) is work
    assert ('id="weekly-table"' in content) is work
    assert ('id="section-lead-times"' in content) is work
    assert ('id="section-receivables"' in content) is billing
    assert ("12,345円" in content) is billing
    if status == 302:
        assert response["Location"].startswith("/desk/login/")


def test_the_help_desk_is_told_where_the_billing_figures_are(client):
    content = _page(client, Role.HELP_DESK)

    assert "請求・入金の数字は、請求代行と管理者の画面にだけ表示されます。" in content


def test_the_menu_links_to_the_dashboard_and_my_work(client):
    content = _page(client, Role.HELP_DESK)

    assert f'<a href="{URL}" aria-current="page">ダッシュボード</a>' in content
    assert '<a href="/desk/work/">自分の担当</a>' in content


# --- figures -------------------------------------------------------------------------------------


def test_counts_by_status(client):
    for status, count in ((Status.SUBMITTED, 3), (Status.AWAITING_CONFIRMATION, 2), (Status.RETURNED, 1)):
        for _ in range(count):
            application(status=status)
    owner = project()  # its application is in service
    change_request(project=owner, status="submitted")
    change_request(project=owner, status="verified")
    change_request(project=owner, status="verified")

    content = _page(client)

    applications = _cells(content, "application-counts")
    assert applications["受付済み"] == ["3"]
    assert applications["発注者確認中"] == ["2"]
    assert applications["差戻し中"] == ["1"]
    assert applications["利用中"] == ["1"]
    assert applications["確認済み"] == ["0"]
    assert applications["合計"] == ["7"]
    assert '<a href="/desk/?status=submitted">受付済み</a>' in content
    changes = _cells(content, "change-counts")
    assert changes["受付済み（本人確認前）"] == ["1"]
    assert changes["本人確認済み"] == ["2"]
    assert changes["反映済み"] == ["0"]
    assert changes["合計"] == ["3"]


def test_applications_per_week_by_status_in_japan_time(client):
    application(submitted_at=jst("2026-11-24", 9), status=Status.SUBMITTED)
    # Monday 08:00 in Japan is Sunday 23:00 UTC: it belongs to the week of 11/23.
    application(submitted_at=jst("2026-11-23", 8), status=Status.AWAITING_CONFIRMATION)
    application(submitted_at=jst("2026-11-22", 23), status=Status.SUBMITTED)  # Sunday: week of 11/16
    application(submitted_at=jst("2026-11-16", 9), status=Status.IN_SERVICE)
    application(submitted_at=jst("2026-09-07", 9), status=Status.REJECTED)  # the oldest week shown
    application(submitted_at=jst("2026-09-06", 9), status=Status.REJECTED)  # before it: not shown

    content = _page(client)

    weeks = _cells(content, "weekly-table")
    assert list(weeks) == [
        "9/7〜", "9/14〜", "9/21〜", "9/28〜", "10/5〜", "10/12〜",
        "10/19〜", "10/26〜", "11/2〜", "11/9〜", "11/16〜", "11/23〜",
    ]  # fmt: skip
    # columns: the eight statuses in their order, then the total
    assert weeks["11/23〜"] == ["1", "1", "0", "0", "0", "0", "0", "0", "2"]
    assert weeks["11/16〜"] == ["1", "0", "0", "0", "1", "0", "0", "0", "2"]
    assert weeks["9/7〜"] == ["0", "0", "0", "0", "0", "0", "1", "0", "1"]
    assert weeks["11/9〜"] == ["0"] * 9
    chart = content.split('<figure class="chart" aria-labelledby="weekly-caption">')[1].split("</figure>")[0]
    assert (
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="weekly-title weekly-desc"'
        in chart
    )
    assert '<title id="weekly-title">週ごとの受付件数（状態別、直近12週）</title>' in chart
    assert '<desc id="weekly-desc">' in chart
    bars = chart.split("</svg>")[0]  # the chart itself, not the legend's swatches
    assert bars.count("<rect ") == 5  # one segment per non-empty status of a week
    assert "<title>11/23〜 受付済み: 1件</title>" in chart
    assert "<title>11/16〜 利用中: 1件</title>" in chart
    assert "11/9〜</text>" in chart


def test_lead_times_are_median_and_90th_percentile_business_hours_of_the_last_90_days(client):
    monday = "2026-11-16"
    for hour in (10, 11, 12, 13):  # 1, 2, 3, 3 hours (12–13 is the lunch hour)
        application(status=Status.CONFIRMED, submitted_at=jst(monday, 9), confirmed_at=jst(monday, hour))
    application(  # 9 hours: Monday 9–17 less lunch and Tuesday 9–11; registered 1 business hour later
        status=Status.IN_SERVICE,
        submitted_at=jst(monday, 9),
        confirmed_at=jst("2026-11-17", 11),
        registered_at=jst("2026-11-17", 13),
        in_service_at=jst("2026-11-18", 13),
    )
    application(  # confirmed before the window (90 days before 11/24 is 8/26): not counted
        status=Status.CONFIRMED, submitted_at=jst("2026-08-03", 9), confirmed_at=jst("2026-08-03", 17)
    )
    change_request(
        project=project(),
        status="applied",
        submitted_at=jst(monday, 9),
        verified_at=jst(monday, 12),
        applied_at=jst("2026-11-17", 10),
    )

    content = _page(client)

    steps = _cells(content, "lead-applications-table")
    assert steps["受付 → 確認完了"] == ["5", "3時間", "1営業日と2時間"]
    assert steps["確認完了 → 登録"] == ["1", "1時間", "1時間"]
    assert steps["登録 → 利用開始"] == ["1", "1営業日", "1営業日"]
    assert steps["受付 → 利用開始（全体）"] == ["1", "2営業日と3時間", "2営業日と3時間"]
    changes = _cells(content, "lead-changes-table")
    assert changes["受付 → 本人確認"] == ["1", "3時間", "3時間"]
    assert changes["本人確認 → 反映"] == ["1", "5時間", "5時間"]
    assert changes["受付 → 反映（全体）"] == ["1", "1営業日と1時間", "1営業日と1時間"]
    chart = content.split('aria-labelledby="lead-applications-caption"')[1].split("</figure>")[0]
    assert "<title>受付 → 確認完了 中央値: 3時間</title>" in chart
    assert "<title>受付 → 確認完了 90パーセンタイル: 1営業日と2時間</title>" in chart


def test_lead_times_without_data_show_dashes(client):
    content = _page(client)

    assert _cells(content, "lead-changes-table")["受付 → 本人確認"] == ["0", "—", "—"]


def test_receivables_by_days_past_due(client):
    invoice(total=10_000, due_on=TODAY)  # due today: not yet overdue
    invoice(total=1_100, due_on=None, status=InvoiceStatus.ISSUED)  # not posted yet
    partly = invoice(total=20_000, due_on=TODAY - dt.timedelta(days=5))
    paid_in_part(partly, amount=5_000)
    invoice(total=30_000, due_on=TODAY - dt.timedelta(days=45))
    invoice(total=40_000, due_on=TODAY - dt.timedelta(days=91))
    invoice(total=50_000, due_on=TODAY - dt.timedelta(days=90))
    settled = invoice(total=7_000, due_on=TODAY - dt.timedelta(days=10))
    paid_in_part(settled, amount=7_000)  # paid in full, status not yet moved: owes nothing
    invoice(total=99_000, due_on=TODAY - dt.timedelta(days=10), status=InvoiceStatus.PAID)
    invoice(total=99_000, due_on=None, status=InvoiceStatus.DRAFT, number=None)
    voided = invoice(total=99_000, due_on=TODAY - dt.timedelta(days=10), status=InvoiceStatus.VOID)
    invoice(
        project=voided.project,
        total=-99_000,
        due_on=None,
        kind=InvoiceKind.CREDIT_NOTE,
        status=InvoiceStatus.ISSUED,
        credited_invoice=voided,
    )

    content = _page(client, Role.BILLING_AGENT)

    assert _cells(content, "receivables-table") == {
        "期限前": ["2", "11,100円"],
        "1〜30日超過": ["1", "15,000円"],
        "31〜60日超過": ["1", "30,000円"],
        "61〜90日超過": ["1", "50,000円"],
        "90日超": ["1", "40,000円"],
        "うち期限超過": ["", "135,000円"],
        "合計": ["6", "146,100円"],
    }
    chart = content.split('aria-labelledby="receivables-caption"')[1].split("</figure>")[0]
    assert "<title>1〜30日超過 未入金額: 15,000円</title>" in chart


def test_the_dashboard_in_english(client, settings):
    application(submitted_at=jst("2026-11-24", 9))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = _page(client, Role.ADMINISTRATOR)

    assert '<html lang="en">' in content
    for text in (
        "<h1>Dashboard</h1>",
        "Counts by status",
        "Applications received per week by status (last 12 weeks)",
        "w/c 23/11",
        "Processing times (business hours)",
        "Received → confirmed",
        "Unpaid amounts by days past the due date",
    ):
        assert text in content, text
    for text in ("週ごとの受付件数", "処理時間", "未入金額", "中央値"):
        assert text not in content, text


# --- the query count -----------------------------------------------------------------------------


def _grow(n: int) -> None:
    """``n`` of everything the dashboard reads: applications in each status with step timestamps,
    change requests in each status, owed invoices in each aging bucket."""
    for i in range(n):
        day = f"2026-11-{2 + i % 20:02d}"
        for status in Status.values:
            application(
                status=status,
                submitted_at=jst(day, 9),
                confirmed_at=jst(day, 11) if status in ("confirmed", "registered", "in_service") else None,
                registered_at=jst(day, 13) if status in ("registered", "in_service") else None,
                in_service_at=jst(day, 15) if status == "in_service" else None,
            )
        owner = project()
        for status in ("submitted", "verified", "applied", "rejected"):
            change_request(
                project=owner,
                status=status,
                submitted_at=jst(day, 9),
                verified_at=jst(day, 12) if status in ("verified", "applied") else None,
                applied_at=jst(day, 14) if status == "applied" else None,
            )
        for days_overdue in (-10, 5, 45, 75, 120):
            invoice(total=1_000 * (i + 1), due_on=TODAY - dt.timedelta(days=days_overdue))


@pytest.mark.parametrize("n", [1, 8])
def test_the_dashboard_costs_the_same_queries_whatever_the_data(client, django_assert_num_queries, n):
    _grow(n)
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))

    # session, user, application counts, change counts, weeks, two lead-time windows, receivables,
    # and the navigation's two badges (failed mail, unread notices)
    with django_assert_num_queries(10):
        response = client.get(reverse("desk:dashboard"))

    content = response.content.decode()
    assert _cells(content, "application-counts")["合計"] == [f"{Application.objects.count():,}"]
    assert _cells(content, "lead-applications-table")["受付 → 確認完了"][0] == str(n * 3)
    assert _cells(content, "receivables-table")["合計"][0] == str(n * 5)


# --- the helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [(0, (1.0, 1.0)), (3, (3.0, 1.0)), (7, (8.0, 2.0)), (42, (50.0, 10.0)), (130, (150.0, 50.0))],
)
def test_nice_scale(maximum, expected):
    assert nice_scale(maximum) == expected


def test_percentile_is_nearest_rank():
    assert percentile([1, 2, 3, 4, 10], 90) == 10
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert percentile([5], 90) == 5
