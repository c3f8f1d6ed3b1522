"""The help desk's main journey in a real browser: sign in → queue → one application's detail."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from calsreg.accounts.models import Role
from calsreg.applications.models import Application, Channel
from calsreg.applications.services import (
    application_match_supervisors,
    application_submit,
    application_submit_mail,
    submission_as_evidence,
)
from calsreg.applications.states import Status
from calsreg.applications.validation import validate_application
from calsreg.core import clock
from calsreg.demo.applications import demo_payload, load_demo_applications
from calsreg.directory.demo import load_demo_directory
from calsreg.directory.models import OrdererOffice
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.services import Actor
from tests.desk.helpers import filled_workbook, mail_with
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A realistic spread of where the demo applications stand (oldest first).
STATUSES = (
    [Status.IN_SERVICE] * 3
    + [Status.REGISTERED, Status.CONFIRMED, Status.REJECTED, Status.RETURNED]
    + [Status.AWAITING_CONFIRMATION] * 4
    + [Status.SUBMITTED] * 4
)


def _desk_hours_before(now: datetime, *, count: int) -> list[datetime]:
    """``count`` receipt times on weekdays within desk hours, oldest first, ending the day before."""
    local = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    times: list[datetime] = []
    day = local - timedelta(days=1)
    while len(times) < count:
        if day.weekday() < 5:
            for hour, minute in ((16, 42), (13, 18), (9, 7))[: 1 + len(times) % 2]:
                times.append(day.replace(hour=hour, minute=minute + len(times)))
        day -= timedelta(days=1)
    return sorted(times[:count])


def _three_users() -> dict[str, str | None]:
    """Workbook cells for a site agent, a chief engineer and an engineer; the other rows empty.
    The site agent's ID is typed in full-width letters, as applicants often do."""
    people = [
        ("現場代理人", "信濃 花子", "シナノ ハナコ", "hanako", "090-3141-5926", "ｓｈｉｎａｎｏ"),
        ("監理技術者・主任技術者", "越後 健太", "エチゴ ケンタ", "kenta", "090-2718-2818", "echigo"),
        ("担当技術者", "阿賀 翔", "アガ ショウ", "sho", "080-1618-0339", "agasho"),
    ]
    cells: dict[str, str | None] = {}
    for slot in range(1, 11):
        row = people[slot - 1] if slot <= len(people) else (None,) * 6
        role, name, kana, local, phone, requested = row
        email = f"{local}@echigo-kensetsu.example.jp" if local else None
        for key, value in zip(
            ("role", "name", "kana", "email", "phone", "requested_id"),
            (role, name, kana, email, phone, requested),
            strict=True,
        ):
            cells[f"U{slot:02d}_{key}"] = value
    return cells


def _resubmitted(*, index: int) -> Application:
    """The same project and company as demo application ``index`` again: flagged as a duplicate."""
    offices = list(OrdererOffice.objects.filter(active=True).order_by("code"))
    raw = demo_payload(index=index, office=offices[index % len(offices)], rng=random.Random(7))
    data = validate_application(raw, require_directory_supervisors=True)
    return application_submit(
        data=data,
        channel=Channel.WEB,
        actor=Actor.applicant(raw["applicant_email"]),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
    )


def _realistic_desk(settings) -> Application:
    """The demo directory, 15 web/API applications spread over two weeks, a duplicate of one of them,
    and one mailed workbook registered at the desk (the one the journey opens); acknowledgments sent
    to the outbox."""
    settings.EMAIL_BACKEND = "calsreg.notifications.outbox.OutboxEmailBackend"
    load_demo_directory(actor=Actor.system("demo"))
    load_demo_applications(count=len(STATUSES))
    times = _desk_hours_before(clock.now(), count=len(STATUSES))
    for index, application in enumerate(Application.objects.order_by("id")):
        Application.objects.filter(pk=application.pk).update(
            submitted_at=times[index], status=STATUSES[index]
        )
    _resubmitted(index=10)
    staff = UserFactory(username="uketsuke", role=Role.HELP_DESK, display_name="受付 花子")
    office = OrdererOffice.objects.get(code="1505")
    workbook = filled_workbook(
        office=office,
        F_project_name="一般国道351号 長岡東バイパス舗装修繕工事",
        F_project_number="R8-長岡-道路-0351",
        **_three_users(),
        S01_name="星野 亮",
        S01_title="主任監督員",
        S02_name="石田 和也",
        S02_title="監督員",
        S03_name=None,
        S03_title=None,
    )
    mailed = application_submit_mail(
        content=mail_with([("利用申込書_越後建設.xlsx", workbook, XLSX)]),
        filename="利用申込書の送付.eml",
        actor=Actor.staff(staff),
    )
    named = office.supervisors.filter(name__in=["星野　亮", "石田　和也"]).values_list("pk", flat=True)
    application_match_supervisors(application=mailed, supervisor_ids=list(named), actor=Actor.staff(staff))
    deliveries_send_due()
    return mailed


def test_staff_signs_in_finds_an_application_in_the_queue_and_reads_it(
    live_server, page, screenshot, settings
):
    mailed = _realistic_desk(settings)
    _journey(page, live_server.url, receipt_number=mailed.receipt_number, pk=mailed.pk, screenshot=screenshot)


def _journey(page: Page, base: str, *, receipt_number: str, pk: int, screenshot) -> None:
    page.goto(f"{base}/desk/")
    assert page.url.startswith(f"{base}/desk/login/")
    page.fill("#id_username", "uketsuke")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()

    page.wait_for_url(f"{base}/desk/")
    assert page.locator("h1").inner_text() == "申込一覧"
    assert page.locator(".result-count").inner_text() == "全17件（このページは17件）"
    assert page.locator("table.queue tbody tr").count() == 17
    assert page.locator("header").get_by_text("受付 花子").is_visible()
    screenshot(page, "desk-queue")

    page.get_by_role("link", name=receipt_number).click()

    page.wait_for_url(re.compile(rf"/desk/applications/{pk}/$"))
    assert receipt_number in page.locator("h1").inner_text()
    assert page.get_by_role("heading", name="工事情報").is_visible()
    assert page.get_by_text("一般国道351号 長岡東バイパス舗装修繕工事").first.is_visible()
    assert page.get_by_text("ｓｈｉｎａｎｏ → shinano").is_visible()
    assert page.locator("#section-evidence").is_visible()
    assert page.get_by_text("受信メール", exact=True).first.is_visible()
    screenshot(page, "desk-detail")
