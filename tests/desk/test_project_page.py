"""The desk's project page: state (why and since when it is suspended), members with their accounts,
supervisors, billing only for those who may see it, change requests and one combined timeline; a
constant number of queries; refused to anyone but the help desk and administrators."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import LoginIdLock, Project, ProjectStatus, Role
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import SUZUKI, TANAKA, started
from tests.billing.dunning_helpers import posted_invoice
from tests.billing.invoice_helpers import jst
from tests.desk.sso_helpers import party, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VIEW_DAY = jst(2027, 2, 3, 9)


def _suspended():
    from calsreg.billing.services import billing_suspension_sweep

    project, invoice = posted_invoice()  # due 2027-02-01
    with time_machine.travel(jst(2027, 2, 2, 3), tick=False):
        assert billing_suspension_sweep() == 1
    project.refresh_from_db()
    return project, invoice


def _page(client, project: Project, role: str = Role.HELP_DESK):
    with time_machine.travel(VIEW_DAY, tick=False):
        client.force_login(UserFactory(role=role))
        return client.get(reverse("desk:project_detail", args=[project.pk]))


def test_help_desk_sees_why_and_since_when_a_project_is_suspended_but_no_amounts(client):
    project, invoice = _suspended()

    response = _page(client, project)

    page = response.content.decode()
    assert response.status_code == 200
    assert "利用停止中" in page
    assert "2027年2月2日(火) 03:00から利用停止中です。" in page
    assert (
        f"請求書 {invoice.number} が支払期限（2027年2月1日(月)）を過ぎて未入金のため、利用を停止しました。"
        in page
    )
    assert "未入金の請求書が 1 件あります。" in page
    assert f"{invoice.total:,}" not in page and "請求と入金" not in page
    assert reverse("desk:billing_invoice_detail", args=[invoice.pk]) not in page


def test_an_administrator_also_sees_the_unpaid_invoices_and_the_billing_summary(client):
    project, invoice = _suspended()

    page = _page(client, project, role=Role.ADMINISTRATOR).content.decode()

    assert "請求と入金" in page
    assert f"支払期限 2027年2月1日(月)、未入金 {invoice.total:,}円" in page
    assert page.count(reverse("desk:billing_invoice_detail", args=[invoice.pk])) == 2  # banner and table


def test_members_and_supervisors_link_to_their_account_pages_with_state_lock_and_last_sign_in(client):
    with time_machine.travel(jst(2026, 12, 7, 10), tick=False):
        project, accounts = started()
    tanaka = next(user for user in accounts if user.username.startswith("tanaka"))
    with time_machine.travel(jst(2026, 12, 8, 10), tick=False):
        sign_in(party().application, tanaka, at=jst(2026, 12, 8, 10))
    LoginIdLock.objects.create(
        username=tanaka.username,
        failures=20,
        window_started_at=VIEW_DAY - dt.timedelta(minutes=10),
        locked_at=VIEW_DAY - dt.timedelta(minutes=5),
        locked_until=VIEW_DAY + dt.timedelta(minutes=25),
    )

    page = _page(client, project).content.decode()

    for account in accounts:
        assert f'href="/desk/accounts/{account.pk}/"><code>{account.username}</code>' in page
    assert "現場代理人" in page and "利用可能" in page
    assert "ログイン停止中（2027年2月3日(水) 09:25まで）" in page
    assert "連携先: 2026年12月8日(火) 10:00" in page
    supervisors = [user for user in accounts if user.role == Role.SUPERVISOR]
    assert supervisors and page.index("監督員</h2>") < page.index(supervisors[0].username)


def test_the_timeline_merges_registration_start_mails_sign_ins_and_suspension_newest_first(client):
    project, _invoice = _suspended()
    tanaka = project.memberships.get(role="site_agent").user
    with time_machine.travel(jst(2027, 1, 10, 9), tick=False):
        sign_in(party().application, tanaka, at=jst(2027, 1, 10, 9))

    page = _page(client, project).content.decode()

    timeline = page[page.index('<ol class="timeline">') :]
    suspended = timeline.index("利用を停止しました。")
    signed_in = timeline.index(f"{tanaka.username} が 情報共有システム にサインイン")
    started_use = timeline.index("利用を開始しました")
    assert suspended < signed_in < started_use < timeline.index("から工事を登録し")
    assert "連携先「" not in timeline  # a relying party's own rows are not the project's
    assert "→ genba@echigo-kensetsu.example.co.jp" in timeline  # a mail to the site agent
    assert "閲覧しました" not in timeline  # views stay in the audit log, not in this story


def test_opening_the_page_records_one_view_and_changes_nothing_else(client):
    project, _invoice = _suspended()
    before = AuditEvent.objects.count()

    _page(client, project)

    assert AuditEvent.objects.count() == before + 1
    view = AuditEvent.objects.latest("pk")
    assert (view.action, view.subject_type, view.subject_id) == ("project.viewed", "project", project.pk)
    project.refresh_from_db()
    assert project.status == ProjectStatus.SUSPENDED


@pytest.mark.parametrize(("role", "status"), [(Role.BILLING_AGENT, 403), (Role.CONTRACTOR, 302), (None, 302)])
def test_the_page_is_refused_to_other_roles_and_records_nothing(client, role, status):
    with time_machine.travel(jst(2026, 12, 7, 10), tick=False):
        project, accounts = started()
    before = AuditEvent.objects.count()

    with time_machine.travel(VIEW_DAY, tick=False):
        if role == Role.CONTRACTOR:
            client.force_login(next(user for user in accounts if user.role == Role.CONTRACTOR))
        elif role:
            client.force_login(UserFactory(role=role))
        response = client.get(reverse("desk:project_detail", args=[project.pk]))

    assert response.status_code == status
    assert project.project_number not in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_an_unknown_project_is_404(client):
    client.force_login(UserFactory(role=Role.HELP_DESK))

    assert client.get(reverse("desk:project_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("extra", [0, 4])
@pytest.mark.parametrize("role", [Role.HELP_DESK, Role.ADMINISTRATOR])
def test_the_page_costs_the_same_queries_whatever_the_members_sign_ins_and_events(
    client, django_assert_num_queries, extra, role
):
    users = [TANAKA, SUZUKI] + [
        {**SUZUKI, "requested_id": f"user{n}", "email": f"user{n}@echigo-kensetsu.example.co.jp"}
        for n in range(extra)
    ]
    with time_machine.travel(jst(2026, 12, 7, 10), tick=False):
        project, accounts = started(users=users)
    relying = party().application
    for account in accounts:
        sign_in(relying, account, at=jst(2026, 12, 8, 10))

    # session, user, project, members, sign-ins, 2 lock reads, audit rows, unpaid count or invoices,
    # change requests, mails, the view's audit INSERT
    with time_machine.travel(VIEW_DAY, tick=False):
        client.force_login(UserFactory(role=role))
        with django_assert_num_queries(14):
            response = client.get(reverse("desk:project_detail", args=[project.pk]))

        assert response.content.decode().count('href="/desk/accounts/') == len(accounts)


def test_billing_events_are_on_the_timeline_for_an_administrator_only(client):
    project, invoice = _suspended()
    posted = AuditEvent.objects.get(action="invoice.posted", subject_id=invoice.pk)

    help_desk = _page(client, project).content.decode()
    administrator = _page(client, project, role=Role.ADMINISTRATOR).content.decode()

    assert posted.summary_display in administrator
    assert posted.summary_display not in help_desk
