"""The help desk and the billing agent at work, in a real browser, as issue 11's "Done when" says:
a caller who cannot sign in found by their phone number typed any way (the project suspended for
non-payment, or the ID locked and lifted), an initial password reissued that only its recipient ever
sees, failed mails re-sent until they arrive at a real SMTP server, a billing run posted in one action,
and a project suspended and reinstated by hand with the reason in its timeline."""

from __future__ import annotations

import datetime as dt
import re
from datetime import date

import pytest
import time_machine
from playwright.sync_api import Page

from calsreg.accounts.models import ProjectStatus, Role, User
from calsreg.billing.models import BillingRun, Invoice, InvoiceStatus
from calsreg.billing.services import billing_suspension_sweep
from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, TANAKA, application_in, started
from tests.billing.dunning_helpers import posted_invoice
from tests.billing.invoice_helpers import configured, drafted, jst
from tests.factories import UserFactory
from tests.notifications.helpers import tables_containing
from tests.plugins.browser import follow
from tests.portal.test_mypage import ACCOUNT_ID, PASSWORD, make_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "correct-horse-battery-staple"  # UserFactory's
ON_FILE = "tanaka@echigo-kensetsu.example.co.jp"
PASSWORD_LINE = re.compile(r"^■ 初期パスワード：(\S+)$", re.MULTILINE)
LOCKED = "パスワードを5回続けて間違えたため"


def _staff_signs_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/desk/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(re.compile(r"/desk/"))


def _search(page: Page, typed: str) -> None:
    """Type into the search box every desk page has, as the operator does while on the phone."""
    page.fill("#desk-search-q", typed)
    page.locator("form.desk-search").get_by_role("button", name="検索").click()
    page.wait_for_load_state()


def _holder_signs_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/mypage/login/")
    page.get_by_label("ID").fill(username)
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()


def _idle(page: Page) -> None:
    """Leave the desk for a blank page while the task worker runs in the test's thread: the desk's
    pages poll (the verification panel, the notices badge), and the test database takes one writer."""
    page.goto("about:blank")


# --- 1. «ログインできません» -------------------------------------------------------------------------


def test_a_caller_found_by_a_phone_number_typed_full_width_is_told_the_project_is_suspended_for_non_payment(
    live_server, page: Page, screenshot
):
    # given: the payment rule suspended the project of the caller (the site agent, 090-1234-5678)
    project, invoice = posted_invoice()
    with time_machine.travel(jst(2027, 2, 2, 3), tick=False):
        assert billing_suspension_sweep() == 1
    agent = project.memberships.get(role="site_agent").user
    UserFactory(username="uketsuke", role=Role.HELP_DESK, display_name="受付 花子")

    with time_machine.travel(jst(2027, 2, 3, 9), tick=True):
        # when: the desk types the number as the caller reads it, in full width and without hyphens
        _staff_signs_in(page, live_server.url, "uketsuke")
        _search(page, "０９０１２３４５６７８")
        results = page.locator("#search-accounts + ul")
        assert agent.username in results.inner_text()
        screenshot(page, "desk-search")
        results.get_by_role("link", name=agent.username).click()

        # then: the account page shows the project suspended since the sweep
        page.wait_for_url(re.compile(rf"/desk/accounts/{agent.pk}/$"))
        row = page.locator("#section-projects + div tr", has_text=project.project_number)
        assert row.locator(".badge").inner_text() == "利用停止中"
        assert "2027年2月2日(火)から" in row.inner_text()

        # and the project page says why: the unpaid invoice (no amounts for the help desk)
        row.get_by_role("link", name=project.project_number).click()
        page.wait_for_url(re.compile(rf"/desk/projects/{project.pk}/$"))
        suspension = page.locator("#suspension").inner_text()
        assert "2027年2月2日(火) 03:00から利用停止中です。" in suspension
        assert (
            f"請求書 {invoice.number} が支払期限" in suspension
            and "未入金のため、利用を停止しました。" in suspension
        )
        assert "未入金の請求書が 1 件あります。" in suspension
        assert f"{invoice.total:,}" not in page.content()


def test_a_caller_locked_out_is_found_by_a_phone_number_without_hyphens_and_the_desk_lifts_the_lock(
    live_server, page: Page, screenshot
):
    with time_machine.travel(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=True):
        holder = make_account()
        UserFactory(username="uketsuke", role=Role.HELP_DESK)
        base = live_server.url
        # given: five wrong passwords at my page lock the ID; the right one is refused
        for _ in range(5):
            _holder_signs_in(page, base, ACCOUNT_ID, "wrong-guess")
        _holder_signs_in(page, base, ACCOUNT_ID, PASSWORD)
        assert LOCKED in page.get_by_role("alert").inner_text()
        page.context.clear_cookies()

        # when: the desk finds the caller by the number typed without hyphens and opens the account
        _staff_signs_in(page, base, "uketsuke")
        _search(page, "09012345678")
        page.locator("#search-accounts + ul").get_by_role("link", name=ACCOUNT_ID).click()
        page.wait_for_url(re.compile(rf"/desk/accounts/{holder.pk}/$"))
        assert "ログイン停止中（2026年12月10日(木) 10:" in page.locator("#lock-state").inner_text()

        # and lifts the lock behind the confirmation that says what will happen
        follow(page.locator("#actions").get_by_role("link", name="ログイン停止を解除する"))
        assert "このIDのログイン停止（接続元ごと・ID全体）をすべて解除します。" in page.content()
        page.get_by_role("button", name="解除する").click()
        page.wait_for_url(re.compile(rf"/desk/accounts/{holder.pk}/$"))
        assert "ログイン停止を解除しました。" in page.content()
        assert page.locator("#lock-state").inner_text().startswith("停止されていません")
        page.context.clear_cookies()

        # then: the caller signs in with their own password
        _holder_signs_in(page, base, ACCOUNT_ID, PASSWORD)
        page.wait_for_url(re.compile(r"/mypage/$"))
        assert page.locator(".account-id").inner_text() == ACCOUNT_ID
    assert AuditEvent.objects.filter(action="account.login_locks_lifted", subject_id=holder.pk).count() == 1


# --- 2. an initial password reissued: only its recipient ever sees it --------------------------------


def test_the_desk_reissues_an_initial_password_that_arrives_at_the_address_on_file_and_the_desk_never_saw(
    live_server, page: Page, smtp_server, run_tasks
):
    with time_machine.travel(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=True):
        holder = make_account()
        run_tasks()  # the application's own mails (its receipt, the supervisor's request) leave first
        mails_before = len(smtp_server.messages)
        UserFactory(username="uketsuke", role=Role.HELP_DESK)
        base = live_server.url
        seen: list[str] = []  # every desk page the operator saw, as served

        # when: the desk finds the account and reissues the password behind its confirmation
        _staff_signs_in(page, base, "uketsuke")
        _search(page, "(090) 1234-5678")
        seen.append(page.content())
        page.locator("#search-accounts + ul").get_by_role("link", name=ACCOUNT_ID).click()
        page.wait_for_url(re.compile(rf"/desk/accounts/{holder.pk}/$"))
        seen.append(page.content())
        follow(page.locator("#actions").get_by_role("link", name="初期パスワードを再発行する"))
        seen.append(page.content())
        assert ON_FILE in page.locator("section[aria-labelledby=section-whom]").inner_text()
        page.get_by_label("理由（必須）").fill("初期パスワードのメールを削除してしまった")
        page.get_by_role("button", name="再発行する").click()
        page.wait_for_url(re.compile(rf"/desk/accounts/{holder.pk}/$"))
        seen.append(page.content())
        assert "初期パスワードを再発行しました。登録済みのメールアドレスへ送ります。" in seen[-1]

        # and the worker sends it to the real SMTP server
        _idle(page)
        run_tasks()
        page.reload()
        seen.append(page.content())
        page.goto(f"{base}/desk/outbox/")
        seen.append(page.content())

        # then: one mail, the password notice, at the address on file, without the ID
        (message,) = smtp_server.messages[mails_before:]
        assert (str(message["To"]), "パスワード通知" in str(message["Subject"])) == (ON_FILE, True)
        body = message.get_content()
        assert ACCOUNT_ID not in body
        match = PASSWORD_LINE.search(body)
        assert match is not None
        password = match[1]
        # the desk saw it on no page, and no table holds it
        assert [password in html for html in seen] == [False] * len(seen)
        assert tables_containing(password) == []

        # and it opens the account, straight to the forced change of password
        page.context.clear_cookies()
        _holder_signs_in(page, base, ACCOUNT_ID, password)
        page.wait_for_url(re.compile(r"/mypage/password/$"))
    assert User.objects.get(pk=holder.pk).must_change_password
    assert Delivery.objects.get(kind="account_password_notice").status == DeliveryStatus.SENT


# --- 3. failed mails re-sent until they arrive ---------------------------------------------------------


def test_registration_previewed_its_refused_mails_resent_from_the_troubles_list_arrive_and_open_the_account(
    live_server, page: Page, smtp_server, run_tasks, screenshot
):
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True):
        application = application_in(users=[TANAKA], supervisors=[])
        UserFactory(username="uketsuke", role=Role.HELP_DESK)
        base = live_server.url
        _staff_signs_in(page, base, "uketsuke")

        # given: the desk registers after the preview of the IDs and mails, and the recipient's server
        # refuses both mails for good (550)
        page.goto(f"{base}/desk/applications/{application.pk}/")
        page.get_by_role("button", name="登録内容を確認する").click()
        planned = page.locator("#planned-accounts .planned-mail")
        assert planned.count() == 2 and ON_FILE in planned.first.inner_text()
        assert "現場代理人" in page.locator("#planned-accounts .planned-account").inner_text()
        screenshot(page, "preview-register")
        page.get_by_role("button", name="この内容で登録する").click()
        page.wait_for_url(re.compile(rf"/desk/applications/{application.pk}/"))
        assert "システムに登録しました。" in page.content()
        _idle(page)
        smtp_server.refuse_next(reply="550 5.1.1 Mailbox unavailable", at="RCPT", times=2)
        run_tasks()
        notices = Delivery.objects.filter(kind__in=["account_id_notice", "account_password_notice"])
        assert sorted(notices.values_list("status", flat=True)) == [DeliveryStatus.FAILED] * 2
        assert smtp_server.messages == []

        # when: the desk follows the navigation's count to the list, ticks both and confirms
        page.goto(f"{base}/desk/")
        nav = page.get_by_role("link", name=re.compile("^送信失敗"))
        assert nav.locator(".nav-count").inner_text().startswith("2")
        nav.click()
        page.wait_for_url(re.compile(r"/desk/mail/troubles/$"))
        assert page.locator("tbody tr", has_text="Mailbox unavailable").count() == 2
        screenshot(page, "desk-mail-troubles")
        for box in page.locator("input[name=deliveries]").all():
            box.check()
        follow(page.get_by_role("button", name="選んだメールを再送する…"))
        assert "次の2件を、最初の試行から送り直します。" in page.content()
        page.get_by_role("button", name="再送する").click()
        page.wait_for_url(re.compile(r"/desk/mail/troubles/$"))
        assert "2件を送信待ちに戻しました。" in page.content()
        page.goto(f"{base}/desk/notices/")
        assert page.locator("tbody tr", has_text="を送信できませんでした。").count() == 2
        screenshot(page, "desk-notices")
        _idle(page)
        run_tasks()

        # then: both arrive, apart, at the address on file
        assert sorted(notices.values_list("status", flat=True)) == [DeliveryStatus.SENT] * 2
        assert [str(m["To"]) for m in smtp_server.messages] == [ON_FILE, ON_FILE]
        id_mail, password_mail = sorted(
            smtp_server.messages, key=lambda m: "パスワード通知" in str(m["Subject"])
        )
        assert "ID通知" in str(id_mail["Subject"])
        id_line = re.search(r"ID　+：(\S+)", id_mail.get_content())
        password_line = PASSWORD_LINE.search(password_mail.get_content())
        assert id_line is not None and password_line is not None
        account_id, password = id_line[1], password_line[1]
        assert password not in id_mail.get_content() and account_id not in password_mail.get_content()

        # and once the desk starts use (after its preview of who is told), they open the account
        page.goto(f"{base}/desk/applications/{application.pk}/")
        page.get_by_role("button", name="送信先を確認する").click()
        assert page.locator("#start-use-recipients .planned-recipient").count() >= 1
        screenshot(page, "preview-start-use")
        page.get_by_role("button", name="利用開始のお知らせを送る").click()
        page.wait_for_url(re.compile(rf"/desk/applications/{application.pk}/"))
        page.context.clear_cookies()
        _holder_signs_in(page, base, account_id, password)
        page.wait_for_url(re.compile(r"/mypage/password/$"))
    assert AuditEvent.objects.filter(action="notification.requeued").count() == 2


# --- 4. a billing run posted in one action ------------------------------------------------------------


def test_the_billing_agent_runs_a_month_and_marks_the_whole_run_posted_in_one_action(
    live_server, page: Page, run_tasks
):
    with time_machine.travel(jst(2026, 12, 1, 9), tick=True):
        # given: three projects in use, each with its draft invoice
        configured()
        drafts = [drafted(started_at=jst(2026, 11, 10 + n)) for n in range(3)]
        UserFactory(username="seikyu", role=Role.BILLING_AGENT, display_name="請求 一郎")
        base = live_server.url

        # when: the agent starts the month's run; the worker issues the invoices
        _staff_signs_in(page, base, "seikyu")
        page.goto(f"{base}/desk/billing/")
        page.fill("#billing-run-form input[name=run_month]", f"{drafts[0].run_month:%Y-%m}")
        page.get_by_role("button", name="請求処理を実行する").click()
        # the preview says what the run will do before anything is issued
        assert page.locator("#run-preview-count").inner_text() == "3件"
        assert page.locator("#run-preview-numbers").inner_text() == "2026-000001 〜 2026-000003"
        page.get_by_role("button", name="この内容で請求処理を実行する").click()
        page.wait_for_url(re.compile(r"/desk/billing/runs/\d+/$"))
        run_url = page.url
        _idle(page)
        run_tasks()

        # and marks the whole run posted on one day, in one action
        page.goto(run_url)
        assert page.locator("#run-posting").inner_text().startswith("未郵送 3件・郵送済み 0件")
        page.fill("#run-posted-form input[name=posted_on]", "2026-12-01")
        page.get_by_role("button", name="3件をまとめて郵送済みにする").click()
        page.wait_for_url(run_url)
        assert "3件を郵送済みにしました" in page.content()
        assert page.locator("#run-posting").inner_text().startswith("未郵送 0件・郵送済み 3件")

    # then: each is posted that day and due at the end of the month after it arrives (2027-01-31 is a
    # Sunday: the next business day)
    run = BillingRun.objects.get()
    invoices = Invoice.objects.filter(billing_run=run).order_by("number")
    assert (
        list(invoices.values_list("status", "posted_on", "arrival_on", "due_on"))
        == [(InvoiceStatus.POSTED, date(2026, 12, 1), date(2026, 12, 3), date(2027, 2, 1))] * 3
    )
    assert AuditEvent.objects.filter(action="invoice.posted").count() == 3


# --- 5. a project suspended and reinstated by hand ------------------------------------------------------


def test_the_desk_suspends_a_project_by_hand_and_reinstates_it_with_a_reason_shown_in_its_timeline(
    live_server, page: Page
):
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True):
        project, _accounts = started()
        UserFactory(username="uketsuke", role=Role.HELP_DESK)
        _staff_signs_in(page, live_server.url, "uketsuke")
        _search(page, "信濃川護岸")
        page.locator("#search-projects + ul").get_by_role("link", name=project.project_number).click()
        page.wait_for_url(re.compile(rf"/desk/projects/{project.pk}/$"))

        # given: the desk suspends it by hand on the supervisor's instruction
        page.locator("#actions").get_by_role("link", name="手動で利用停止する").click()
        page.get_by_label("理由（必須）").fill("監督員からの指示（12月7日 電話）")
        page.get_by_role("button", name="利用停止する").click()
        page.wait_for_url(re.compile(rf"/desk/projects/{project.pk}/$"))
        assert page.locator(".desk-heading .badge").inner_text() == "利用停止中"
        assert "監督員からの指示（12月7日 電話）" in page.locator("#suspension").inner_text()

        # when: it reinstates it, giving the reason, behind the confirmation
        follow(page.locator("#actions").get_by_role("link", name="手動の利用停止を解除する"))
        assert "再びログインできるようになります。" in page.content()
        page.get_by_label("理由（必須）").fill("監督員から再開の指示")
        page.get_by_role("button", name="解除する").click()
        page.wait_for_url(re.compile(rf"/desk/projects/{project.pk}/$"))

        # then: in service again, and the timeline says who reinstated it and why, above the suspension
        assert page.locator(".desk-heading .badge").inner_text() == "利用中"
        timeline = page.locator(".timeline li.timeline-audit")
        assert (
            "手動の利用停止を解除し、利用を再開しました（理由：監督員から再開の指示）。"
            in timeline.first.inner_text()
        )
        assert "監督員からの指示（12月7日 電話）" in timeline.nth(1).inner_text()
    project.refresh_from_db()
    assert (project.status, project.suspended_by_hand) == (ProjectStatus.ACTIVE, False)
