"""Posting a whole billing run, or a selection, with one posting date (and optionally the carrier's
list of accepted invoice numbers): one POST, the due dates set as the single-invoice path sets them,
all or nothing, idempotent, and only for the billing agent and the administrator."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.models import BillingRun, Invoice, InvoiceStatus
from calsreg.billing.services import billing_run
from calsreg.billing.services.bulk_posting import carrier_numbers_parse
from calsreg.records.models import AuditEvent
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POSTED_ON = date(2026, 12, 2)  # a Wednesday: arrival Friday 4 December (2 business days)
# The end of January 2027 is a Sunday: rolled to Monday 1 February, as for a single invoice.
ARRIVAL_ON, DUE_ON = date(2026, 12, 4), date(2027, 2, 1)


@pytest.fixture(autouse=True)
def _on_the_third_of_december_2026():
    with time_machine.travel(jst(2026, 12, 3, 9), tick=False):
        yield


def _run_of_three() -> tuple[BillingRun, list[Invoice]]:
    configured()
    drafts = [drafted(started_at=jst(2026, 11, day)) for day in (2, 5, 9)]
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        run = billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    return run, list(Invoice.objects.filter(pk__in=[d.pk for d in drafts]).order_by("number"))


def _state() -> tuple[list[tuple], int]:
    rows = Invoice.objects.values_list("number", "status", "posted_on", "arrival_on", "due_on")
    return sorted(rows), AuditEvent.objects.count()


def _carrier(*lines: str, encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile("accepted.csv", "\r\n".join(lines).encode(encoding), content_type="text/csv")


def _messages(response) -> list[str]:
    """The messages this response added (earlier ones stay queued until a page shows them)."""
    return [str(message) for message in response.wsgi_request._messages._queued_messages]


def test_a_whole_run_is_posted_in_one_post_with_the_due_dates_of_the_single_path(client):
    run, invoices = _run_of_three()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    page = client.get(reverse("desk:billing_run_detail", args=[run.pk])).content.decode()

    response = client.post(reverse("desk:billing_run_posted", args=[run.pk]), {"posted_on": "2026-12-02"})

    assert 'id="run-posted-form"' in page and "3件をまとめて郵送済みにする" in page
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("desk:billing_run_detail", args=[run.pk]),
    )
    assert _messages(response) == ["3件を郵送済みにしました（同じ郵送日で記録済み 0件、対象外 0件）。"]
    assert [(i.status, i.posted_on, i.arrival_on, i.due_on) for i in Invoice.objects.order_by("number")] == [
        (InvoiceStatus.POSTED, POSTED_ON, ARRIVAL_ON, DUE_ON)
    ] * 3
    assert AuditEvent.objects.filter(action="invoice.posted").count() == 3
    bulk = AuditEvent.objects.get(action="invoices.posted_in_bulk")
    assert (bulk.subject_type, bulk.subject_id) == ("billingrun", run.pk)
    assert bulk.data["invoice_ids"] == sorted(i.pk for i in invoices)


def test_posting_the_run_again_posts_nothing_twice(client):
    run, _invoices = _run_of_three()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    client.post(reverse("desk:billing_run_posted", args=[run.pk]), {"posted_on": "2026-12-02"})
    before = _state()

    again = client.post(reverse("desk:billing_run_posted", args=[run.pk]), {"posted_on": "2026-12-02"})

    assert _messages(again) == ["0件を郵送済みにしました（同じ郵送日で記録済み 3件、対象外 0件）。"]
    assert _state() == before
    page = client.get(reverse("desk:billing_run_detail", args=[run.pk])).content.decode()
    assert 'id="run-posted-form"' not in page and "郵送済み 3件" in page and "2026年12月2日(水)" in page


def test_the_carrier_list_posts_only_the_invoices_it_names(client):
    run, _invoices = _run_of_three()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    carrier = _carrier(
        "郵便番号,住所,宛名,部署名,請求書番号,敬称",
        "950-0088,新潟市,越後建設,,2026-000001,御中",
        "950-0088,新潟市,越後建設,,2026000003,御中",
    )

    client.post(
        reverse("desk:billing_run_posted", args=[run.pk]),
        {"posted_on": "2026-12-02", "carrier_file": carrier},
    )

    assert dict(Invoice.objects.values_list("number", "status")) == {
        "2026-000001": InvoiceStatus.POSTED,
        "2026-000002": InvoiceStatus.ISSUED,
        "2026-000003": InvoiceStatus.POSTED,
    }


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ["2026-000001", "2026-000099", "CN2026-000001"],
            "郵送受付リスト: 郵送受付リストの請求書番号 2026-000099、CN2026-000001 は、郵送済みにする対象の請求書にありません。リストを確認してください。",
        ),
        (
            ["請求書番号", "2026-000001", "=cmd|'/c calc'!A1"],
            "郵送受付リスト: 郵送受付リストの 3 行目が請求書番号（例: 2026-000123）として読めません。",
        ),
        (["請求書番号"], "郵送受付リスト: 郵送受付リストに請求書番号がありません。"),
    ],
)
def test_a_carrier_list_with_unknown_or_unreadable_numbers_posts_nothing(client, lines, message):
    run, _invoices = _run_of_three()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    before = _state()

    response = client.post(
        reverse("desk:billing_run_posted", args=[run.pk]),
        {"posted_on": "2026-12-02", "carrier_file": _carrier(*lines)},
    )

    assert _messages(response) == [message]
    assert _state() == before


def test_a_carrier_list_in_shift_jis_is_read():
    content = "請求書番号,宛名\r\n2026-000001,越後建設\r\nCN2026000002,越後建設\r\n".encode("cp932")

    assert carrier_numbers_parse(content) == ["2026-000001", "CN2026-000002"]


def test_a_selection_from_the_list_is_posted_with_one_date(client):
    _run, invoices = _run_of_three()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    listing = client.get(reverse("desk:billing_invoices")).content.decode()

    response = client.post(
        reverse("desk:billing_invoices_posted"),
        {"posted_on": "2026-12-02", "invoice": [invoices[0].pk, invoices[2].pk]},
    )

    assert f'name="invoice" value="{invoices[0].pk}"' in listing
    assert response["Location"] == reverse("desk:billing_invoices")
    assert [(i.status, i.due_on) for i in Invoice.objects.order_by("number")] == [
        (InvoiceStatus.POSTED, DUE_ON),
        (InvoiceStatus.ISSUED, None),
        (InvoiceStatus.POSTED, DUE_ON),
    ]
    listing = client.get(reverse("desk:billing_invoices")).content.decode()
    assert f'name="invoice" value="{invoices[0].pk}"' not in listing  # posted: nothing to tick


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"posted_on": "2026-12-04"}, "郵送日に未来の日付は指定できません。"),
        ({"posted_on": "2026-11-30"}, "請求書 2026-000001 の郵送日が発行日より前です。"),
        ({"posted_on": "2026-12-02", "invoice": []}, "請求書: 郵送済みにする請求書を選んでください。"),
        ({"posted_on": "2026-12-02", "invoice": ["x"]}, "請求書: 請求書の選択が正しくありません。"),
    ],
)
def test_a_refused_selection_posts_nothing(client, data, message):
    _run, invoices = _run_of_three()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    data = {"invoice": [i.pk for i in invoices], **data}
    before = _state()

    response = client.post(reverse("desk:billing_invoices_posted"), data)

    assert _messages(response) == [message]
    assert _state() == before


@pytest.mark.parametrize(
    ("role", "status"), [(Role.HELP_DESK, 403), (Role.SUPERVISOR, 302), (Role.CONTRACTOR, 302), (None, 302)]
)
def test_the_wrong_role_is_refused_and_nothing_is_posted(client, role, status):
    """A contractor's session is not a desk session: sent to sign in; the help desk: 403."""
    run, invoices = _run_of_three()
    if role:
        client.force_login(UserFactory(role=role))
    before = _state()

    by_run = client.post(reverse("desk:billing_run_posted", args=[run.pk]), {"posted_on": "2026-12-02"})
    by_selection = client.post(
        reverse("desk:billing_invoices_posted"),
        {"posted_on": "2026-12-02", "invoice": [i.pk for i in invoices]},
    )

    assert (by_run.status_code, by_selection.status_code) == (status, status)
    assert _state() == before
