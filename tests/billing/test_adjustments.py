"""The fee impact of a change of the construction period, and its settlement: the draft recomputed
before issue, an additional invoice or a fee credit after; tiered fees never change."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from calsreg.accounts.models import Project, ProjectStatus, Role
from calsreg.billing.errors import InvoiceNotOpen
from calsreg.billing.models import (
    DocumentKind,
    FeePlanKind,
    Invoice,
    InvoiceDeferral,
    InvoiceKind,
    InvoiceStatus,
)
from calsreg.billing.selectors import invoices_with_amount_paid
from calsreg.billing.services import (
    FeeImpact,
    Settlement,
    billing_address_change_settle,
    billing_run,
    billing_suspension_sweep,
    fee_change_settle,
    fee_impact,
    invoice_deferral_grant,
    invoice_draft_for_project,
    invoice_reminders_send,
    invoice_void,
    invoices_mark_posted,
)
from calsreg.billing.services.payments import payment_create_manual
from calsreg.core.errors import ValidationFailed
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst, make_project
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START, END = date(2026, 12, 1), date(2027, 3, 19)  # 4 months: 4 × 5,000 = 20,000 + tax = 22,000
TIERS = [
    {"up_to": 10_000_000, "amount": 20_000},
    {"up_to": 50_000_000, "amount": 40_000},
    {"up_to": None, "amount": 60_000},
]


def _issued(day: date = date(2026, 12, 1)) -> Invoice:
    invoice = drafted(started_at=jst(2026, 11, 10))
    _run(day)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    return invoice


def _run(day: date) -> None:
    with time_machine.travel(jst(day.year, day.month, day.day, 9), tick=False):
        billing_run(run_month=day, actor=ACTOR)


def _apply(
    project: Project, *, end: date, start: date = START, day: date = date(2026, 12, 10), reason: str = ""
):
    """What the change-apply service does: update the period, then settle, in one transaction."""
    with time_machine.travel(jst(day.year, day.month, day.day, 14), tick=False), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(period_start=start, period_end=end)
        project.refresh_from_db()
        return fee_change_settle(project=project, actor=ACTOR, reason=reason)


def _impact(project: Project, *, end: date, start: date = START, **kwargs) -> FeeImpact:
    return fee_impact(project=project, period_start=start, period_end=end, **kwargs)


def _pdf_text(invoice: Invoice) -> str:
    document = invoice.documents.get(kind=DocumentKind.ORIGINAL)
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


# --- before issue ---------------------------------------------------------------------------------


def test_before_issue_an_extension_recomputes_the_draft_in_place():
    configured(monthly_fee=5_000)
    draft = drafted(started_at=jst(2026, 11, 10))

    impact = _impact(draft.project, end=date(2027, 5, 19))
    settled = _apply(draft.project, end=date(2027, 5, 19), reason="変更申請 H2026-00001")

    assert (impact.current_total, impact.new_total, impact.difference) == (22_000, 33_000, 11_000)
    assert impact.settlement == Settlement.DRAFT and impact.billing_configured
    assert impact.explanation == (
        "工期が2か月延びるため、料金が月額5,000円×2か月（税込11,000円）増えます。発行前の請求書の金額を改めます。"
    )
    assert [(line.quantity, line.unit_price) for line in impact.lines] == [(6, 5_000)]
    assert settled is not None and settled.pk == draft.pk
    assert (settled.status, settled.subtotal, settled.tax, settled.total) == (
        InvoiceStatus.DRAFT,
        30_000,
        3_000,
        33_000,
    )
    assert settled.tax_breakdown == [{"rate": 10, "taxable": 30_000, "tax": 3_000}]
    [line] = settled.lines.all()
    assert (line.quantity, line.unit_price, line.amount) == (6, 5_000, 30_000)
    assert line.explanation["period_end"] == "2027-05-19"
    assert line.explanation["change_reason"] == "変更申請 H2026-00001"
    assert Invoice.objects.count() == 1
    event = AuditEvent.objects.get(action="invoice.recomputed")
    assert (event.data["before"]["total"], event.data["after"]["total"]) == (22_000, 33_000)


def test_with_no_invoice_yet_the_start_of_use_draft_takes_the_new_period():
    configured(monthly_fee=5_000)
    project = make_project(started_at=jst(2026, 11, 10))

    impact = _impact(project, end=date(2027, 1, 31))
    settled = _apply(project, end=date(2027, 1, 31))

    assert (impact.current_total, impact.new_total, impact.difference) == (22_000, 11_000, -11_000)
    assert impact.settlement == Settlement.AT_START
    assert impact.explanation.endswith("利用開始時に作る請求書に反映されます。")
    assert settled is None and not Invoice.objects.exists()
    assert invoice_draft_for_project(project=project, actor=ACTOR).total == 11_000


def test_without_billing_configuration_the_agent_settles_it():
    project = make_project()  # no fee plan for the organisation

    impact = _impact(project, end=date(2027, 6, 30))

    assert impact == FeeImpact(
        current_total=0,
        new_total=0,
        difference=0,
        lines=(),
        explanation="料金プランまたは消費税率が設定されていないため、料金への影響は請求代行会社が確認して精算します。",
        billing_configured=False,
        settlement=Settlement.NOT_CONFIGURED,
    )
    assert _apply(project, end=date(2027, 6, 30)) is None
    assert not Invoice.objects.exists()


def test_a_period_that_ends_before_it_starts_is_refused():
    configured()
    project = make_project()

    with pytest.raises(ValidationFailed) as refusal:
        _impact(project, start=date(2027, 4, 1), end=date(2027, 3, 31))

    assert [error.field for error in refusal.value.errors] == ["period_end"]


# --- after issue: more ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "monthly_billed", "before", "after"),
    [
        ({"kind": FeePlanKind.FLAT_MONTHLY, "monthly_fee": 5_000}, 20_000, 22_000, 33_000),
        # initial 10,000 + 5,000 × (4 − 1) months (the first month free)
        (
            {"kind": FeePlanKind.INITIAL_PLUS_MONTHLY, "monthly_fee": 5_000, "initial_fee": 10_000},
            15_000,
            27_500,
            38_500,
        ),
    ],
)
def test_an_extension_after_issue_is_an_additional_invoice(plan, monthly_billed, before, after):
    configured(**plan)
    invoice = _issued()

    impact = _impact(invoice.project, end=date(2027, 5, 19))
    additional = _apply(invoice.project, end=date(2027, 5, 19), reason="変更申請 H2026-00007")

    assert (impact.current_total, impact.new_total, impact.difference) == (before, after, 11_000)
    assert impact.settlement == Settlement.ADDITIONAL
    assert (
        impact.explanation == "工期が2か月延びるため、月額5,000円×2か月（税込11,000円）の追加請求になります。"
    )
    assert additional is not None
    assert (additional.kind, additional.status, additional.adjusted_invoice_id) == (
        InvoiceKind.ADDITIONAL,
        InvoiceStatus.DRAFT,
        invoice.pk,
    )
    assert (additional.subtotal, additional.tax, additional.total, additional.run_month) == (
        10_000,
        1_000,
        11_000,
        date(2026, 12, 1),
    )
    [line] = additional.lines.all()
    assert line.description == "CALSシステム利用料 工期変更による追加（月額）（変更申請 H2026-00007）"
    assert (line.quantity, line.unit, line.unit_price, line.amount) == (2, "か月", 5_000, 10_000)
    assert line.explanation["change_text"] == impact.explanation
    assert (line.explanation["rule"], line.explanation["part"]) == ("fee_change", "monthly")
    assert (line.explanation["billed"], line.explanation["adjusted_invoice"]) == (
        monthly_billed,
        "2026-000001",
    )
    invoice.refresh_from_db()
    assert (invoice.total, invoice.status) == (before, InvoiceStatus.ISSUED)
    assert (
        AuditEvent.objects.filter(action="invoice.additional_drafted", subject_id=additional.pk).count() == 1
    )


def test_the_next_billing_run_issues_the_additional_invoice_with_its_pdf():
    configured(monthly_fee=5_000)
    invoice = _issued()
    additional = _apply(invoice.project, end=date(2027, 5, 19))

    _run(date(2027, 1, 4))

    additional.refresh_from_db()
    assert (additional.status, additional.number, additional.issue_date) == (
        InvoiceStatus.ISSUED,
        "2027-000001",
        date(2027, 1, 4),
    )
    # Posted on the issue day it arrives 1-6; the end of February is a Sunday: due 3-1.
    assert additional.printed_due_on == date(2027, 3, 1)
    text = _pdf_text(additional)
    assert "請求書（工期変更による追加請求）" in text
    assert "当初の請求書2026-000001（発行日2026年12月1日）" in text
    assert "合計（税込）11,000" in text and "￥11,000－" in text
    assert "登録番号：T7000012050002" in text


def test_a_further_change_revises_the_waiting_additional_invoice_and_a_return_voids_it():
    configured(monthly_fee=5_000)
    invoice = _issued()
    first = _apply(invoice.project, end=date(2027, 5, 19))

    impact = _impact(invoice.project, end=date(2027, 6, 19))
    revised = _apply(invoice.project, end=date(2027, 6, 19), day=date(2026, 12, 11))

    assert impact.settlement == Settlement.ADDITIONAL_REVISED
    assert (impact.current_total, impact.new_total, impact.difference) == (33_000, 38_500, 5_500)
    assert revised.pk == first.pk and (revised.total, revised.lines.get().quantity) == (16_500, 3)
    with pytest.raises(IntegrityError), transaction.atomic():  # one waiting additional invoice per invoice
        Invoice.objects.create(
            **{
                f.attname: getattr(revised, f.attname)
                for f in Invoice._meta.concrete_fields
                if f.name not in ("id", "number")
            }
        )

    back = _impact(invoice.project, end=END)
    assert back.settlement == Settlement.ADDITIONAL_CANCELLED
    assert (
        back.explanation
        == "工期が3か月短くなるため、料金が月額5,000円×3か月（税込16,500円）減ります。発行前の追加請求書を取り消します。"
    )
    assert _apply(invoice.project, end=END, day=date(2026, 12, 12)) is None

    revised.refresh_from_db()
    assert (revised.status, revised.void_reason) == (InvoiceStatus.VOID, "工期の再変更により不要になりました")
    assert not invoice.adjustments.exclude(status=InvoiceStatus.VOID).exists()


def test_a_change_within_the_same_months_changes_nothing():
    configured(monthly_fee=5_000)
    invoice = _issued()

    impact = _impact(invoice.project, start=date(2026, 12, 15), end=date(2027, 3, 31))

    assert (impact.difference, impact.settlement) == (0, Settlement.UNCHANGED)
    assert impact.explanation == "工期の月数（4か月）が変わらないため、料金は変わりません。"
    assert _apply(invoice.project, start=date(2026, 12, 15), end=date(2027, 3, 31)) is None
    assert Invoice.objects.count() == 1
    contract = _impact(invoice.project, end=END, contract_amount=90_000_000)
    assert (
        contract.explanation
        == "料金は工期の月数（4か月）で決まり、請負金額には左右されないため、料金は変わりません。"
    )


def test_a_tiered_fee_never_changes_with_the_period_or_a_later_contract_amount():
    configured(kind=FeePlanKind.TIERED, monthly_fee=0, tiers=TIERS)
    invoice = _issued()  # original contract 48,400,000 → 40,000 + tax

    impact = _impact(invoice.project, end=date(2027, 9, 30), contract_amount=120_000_000)

    assert (impact.current_total, impact.new_total, impact.difference) == (44_000, 44_000, 0)
    assert impact.settlement == Settlement.UNCHANGED
    assert impact.explanation == "段階料金は当初の請負金額で決まるため、料金は変わりません。"
    assert impact.lines[0].explanation["original_contract_amount"] == 48_400_000
    Project.objects.filter(pk=invoice.project_id).update(contract_amount=120_000_000)
    assert _apply(invoice.project, end=date(2027, 9, 30)) is None
    assert Invoice.objects.count() == 1


# --- after issue: less ----------------------------------------------------------------------------


def test_a_shortening_after_issue_issues_a_fee_credit_with_its_pdf():
    configured(monthly_fee=5_000)
    invoice = _issued()

    impact = _impact(invoice.project, end=date(2027, 1, 31))
    credit = _apply(invoice.project, end=date(2027, 1, 31), reason="変更申請 H2026-00009")

    assert (impact.current_total, impact.new_total, impact.difference) == (22_000, 11_000, -11_000)
    assert impact.settlement == Settlement.FEE_CREDIT
    assert impact.explanation == (
        "工期が2か月短くなるため、月額5,000円×2か月（税込11,000円）を返還請求書で減額します。"
    )
    assert credit is not None
    assert (credit.kind, credit.status, credit.number, credit.issue_date) == (
        InvoiceKind.FEE_CREDIT,
        InvoiceStatus.ISSUED,
        "CN2026-000001",
        date(2026, 12, 10),
    )
    assert (credit.subtotal, credit.tax, credit.total, credit.printed_due_on) == (
        -10_000,
        -1_000,
        -11_000,
        None,
    )
    [line] = credit.lines.all()
    assert (line.quantity, line.unit_price, line.amount) == (2, -5_000, -10_000)
    text = _pdf_text(credit)
    assert "返還インボイス（工期変更による減額）" in text
    assert "返還額（税込）11,000円" in text
    assert "減額の対象のインボイス2026-000001（発行日2026年12月1日）" in text
    assert "返還に係る消費税（10%）1,000" in text and "返還額合計（税込）11,000" in text
    assert "CALSシステム利用料工期変更による減額（月額）（変更申請H2026-00009）" in text
    assert "登録番号：T7000012050002" in text
    # The invoice is not altered; what is owed on it falls by the credit.
    invoice = invoices_with_amount_paid().get(pk=invoice.pk)
    assert (invoice.total, invoice.amount_credited, invoice.balance) == (22_000, 11_000, 11_000)
    assert AuditEvent.objects.filter(action="invoice.fee_credit_issued", subject_id=invoice.pk).count() == 1


def test_an_invoice_with_a_fee_credit_cannot_be_voided_and_an_additional_invoice_can():
    configured(monthly_fee=5_000)
    invoice = _issued()
    _apply(invoice.project, end=date(2027, 1, 31))

    with pytest.raises(InvoiceNotOpen):
        invoice_void(invoice=invoice, reason="宛先誤り", actor=ACTOR)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    additional = _apply(invoice.project, end=date(2027, 6, 30), day=date(2026, 12, 11))
    _run(date(2027, 1, 4))
    with time_machine.travel(jst(2027, 1, 5, 10), tick=False):
        credit_note = invoice_void(invoice=additional, reason="請求漏れの確認", actor=ACTOR)
    assert (credit_note.kind, credit_note.credited_invoice_id, credit_note.number, credit_note.total) == (
        InvoiceKind.CREDIT_NOTE,
        additional.pk,
        "CN2027-000001",
        -27_500,  # 2 months billed after the credit, 7 now: 5 × 5,000 + tax
    )


# --- numbers, dunning ------------------------------------------------------------------------------


def test_numbers_stay_gap_free_across_invoices_additional_invoices_and_credits():
    configured(monthly_fee=5_000)
    first = drafted(started_at=jst(2026, 11, 10))
    second = drafted(started_at=jst(2026, 11, 11))
    _run(date(2026, 12, 1))
    additional = _apply(first.project, end=date(2027, 5, 19))
    credit = _apply(second.project, end=date(2027, 1, 31), day=date(2026, 12, 11))
    _run(date(2026, 12, 28))  # a second December run takes the additional invoice
    with time_machine.travel(jst(2026, 12, 29, 10), tick=False):
        void_credit = invoice_void(invoice=Invoice.objects.get(pk=additional.pk), reason="誤り", actor=ACTOR)

    numbers = sorted(str(n) for n in Invoice.objects.exclude(number=None).values_list("number", flat=True))
    assert numbers == ["2026-000001", "2026-000002", "2026-000003", "CN2026-000001", "CN2026-000002"]
    assert (credit.number, void_credit.number) == ("CN2026-000001", "CN2026-000002")
    assert Invoice.objects.get(pk=additional.pk).number == "2026-000003"


def test_an_unpaid_additional_invoice_is_reminded_and_suspends_like_any_invoice():
    configured(monthly_fee=5_000)
    invoice = _issued()
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.PAID)  # the original was paid
    additional = _apply(invoice.project, end=date(2027, 5, 19))
    _run(date(2027, 1, 4))
    with time_machine.travel(jst(2027, 1, 4, 16), tick=False):
        invoices_mark_posted(invoices=[additional], posted_on=date(2027, 1, 4), actor=ACTOR)
    additional.refresh_from_db()
    assert additional.due_on == date(2027, 3, 1)  # arrives 1-6; 2-28 is a Sunday

    assert invoice_reminders_send(today=date(2027, 2, 25)) == 1
    with time_machine.travel(jst(2027, 3, 1, 3), tick=False):
        assert billing_suspension_sweep() == 0
    with time_machine.travel(jst(2027, 3, 2, 3), tick=False):
        assert billing_suspension_sweep() == 1

    project = Project.objects.get(pk=invoice.project_id)
    assert project.status == ProjectStatus.SUSPENDED
    assert AuditEvent.objects.get(action="project.suspended").data["invoice_id"] == additional.pk
    with time_machine.travel(jst(2027, 3, 3, 11), tick=False):
        payment_create_manual(
            received_on=date(2027, 3, 3),
            amount=11_000,
            payer_name=f"{invoice.customer_code} エチゴケンセツ",
            actor=ACTOR,
        )
    additional.refresh_from_db()
    project.refresh_from_db()
    assert (additional.status, project.status) == (InvoiceStatus.PAID, ProjectStatus.ACTIVE)


def test_a_fee_credit_is_never_dunned_and_paying_the_reduced_amount_settles_the_invoice():
    configured(monthly_fee=5_000)
    invoice = _issued()
    with time_machine.travel(jst(2026, 12, 1, 16), tick=False):
        invoices_mark_posted(invoices=[invoice], posted_on=date(2026, 12, 1), actor=ACTOR)
    credit = _apply(invoice.project, end=date(2027, 1, 31))

    with time_machine.travel(jst(2027, 1, 20, 11), tick=False):
        payment_create_manual(
            received_on=date(2027, 1, 20),
            amount=11_000,
            payer_name=f"{invoice.customer_code} エチゴケンセツ",
            actor=ACTOR,
        )

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert AuditEvent.objects.filter(action="invoice.paid", subject_id=invoice.pk).count() == 1
    assert invoice_reminders_send(today=date(2027, 1, 28)) == 0
    with time_machine.travel(jst(2027, 3, 2, 3), tick=False):
        assert billing_suspension_sweep() == 0
    assert not Delivery.objects.filter(kind__in=["invoice_reminder", "project_suspended"]).exists()
    assert not credit.is_overdue(today=date(2030, 1, 1))
    with pytest.raises(ValidationFailed), time_machine.travel(jst(2027, 1, 21), tick=False):
        invoice_deferral_grant(invoice=credit, until=date(2027, 3, 1), reason="確認中", actor=ACTOR)
    assert not InvoiceDeferral.objects.exists()


def test_a_fee_credit_that_completes_a_part_payment_marks_the_invoice_paid():
    configured(monthly_fee=5_000)
    invoice = _issued()
    with time_machine.travel(jst(2026, 12, 5, 11), tick=False):
        payment_create_manual(
            received_on=date(2026, 12, 5),
            amount=11_000,
            payer_name=f"{invoice.customer_code} エチゴケンセツ",
            actor=ACTOR,
        )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED

    _apply(invoice.project, end=date(2027, 1, 31))

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


# --- billing address --------------------------------------------------------------------------------


def test_a_new_billing_address_reaches_the_drafts_only():
    configured(monthly_fee=5_000)
    invoice = _issued()
    additional = _apply(invoice.project, end=date(2027, 5, 19))
    application = invoice.project.application
    application.billing_addressee = "株式会社越後建設 新潟支店"
    application.billing_postcode = "950-0901"
    application.billing_address = "新潟県新潟市中央区弁天1丁目2番3号"
    application.save()

    with time_machine.travel(jst(2026, 12, 12, 10), tick=False):
        changed = billing_address_change_settle(project=invoice.project, actor=ACTOR)
        again = billing_address_change_settle(project=invoice.project, actor=ACTOR)

    assert (changed, again) == (1, 0)
    additional.refresh_from_db()
    invoice.refresh_from_db()
    assert (additional.billing_addressee, additional.billing_postcode, additional.billing_address) == (
        "株式会社越後建設 新潟支店",
        "950-0901",
        "新潟県新潟市中央区弁天1丁目2番3号",
    )
    assert invoice.billing_addressee == "株式会社越後建設"  # issued: never altered
    event = AuditEvent.objects.get(action="invoice.billing_address_updated")
    assert (event.subject_id, event.data["before"]["billing_postcode"]) == (additional.pk, "950-0088")


def test_fee_impact_reads_in_a_few_queries(django_assert_max_num_queries):
    configured(monthly_fee=5_000)
    invoice = _issued()
    _apply(invoice.project, end=date(2027, 5, 19))
    project = Project.objects.get(pk=invoice.project_id)

    with django_assert_max_num_queries(6):
        impact = _impact(project, end=date(2027, 7, 31))

    assert impact.difference == 11_000


def test_the_desk_shows_the_fee_credit_on_the_invoice_and_the_invoice_on_the_fee_credit(client):
    configured(monthly_fee=5_000)
    invoice = _issued()
    credit = _apply(invoice.project, end=date(2027, 1, 31))
    client.force_login(UserFactory(role=Role.BILLING_AGENT))

    original_page = client.get(reverse("desk:billing_invoice_detail", args=[invoice.pk])).content.decode()
    credit_page = client.get(reverse("desk:billing_invoice_detail", args=[credit.pk])).content.decode()
    listing = client.get(reverse("desk:billing_invoices")).content.decode()

    assert "うち返還請求書による減額 11,000円" in original_page
    assert "調整対象の請求書" in credit_page and "2026-000001" in credit_page
    assert "適格返還請求書（減額）" in listing
