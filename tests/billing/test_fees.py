"""Fee plans → invoice lines with exact amounts and explanations; the draft at start of use;
the qualified-invoice registration number's check digit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from calsreg.billing.errors import BillingNotConfigured
from calsreg.billing.fees import FeeInputs, fee_lines, months_touched
from calsreg.billing.models import FeePlan, FeePlanKind, Invoice, InvoiceStatus
from calsreg.billing.models.config import tiers_problem
from calsreg.billing.registration_number import (
    corporate_number_check_digit,
    registration_number_is_valid,
    registration_number_normalise,
    validate_registration_number,
)
from calsreg.billing.services import invoice_draft_for_project
from calsreg.records.models import AuditEvent
from tests.billing.invoice_helpers import ACTOR, configured, jst, make_plan, make_project
from tests.factories import OrganisationFactory

TIERS = [
    {"up_to": 10_000_000, "amount": 20_000},
    {"up_to": 50_000_000, "amount": 40_000},
    {"up_to": None, "amount": 60_000},
]
INPUTS = FeeInputs(
    period_start=date(2026, 12, 1), period_end=date(2027, 3, 19), original_contract_amount=48_400_000
)


def _plan(**fields) -> FeePlan:
    defaults = {"pk": 7, "name": "標準プラン", "active_from": date(2026, 4, 1), "monthly_fee": 4_000}
    return FeePlan(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 12, 1), date(2027, 3, 19), 4),
        (date(2026, 12, 31), date(2027, 1, 1), 2),  # two days, two months touched
        (date(2026, 12, 1), date(2026, 12, 31), 1),
        (date(2026, 4, 15), date(2027, 4, 14), 13),
    ],
)
def test_months_touched_counts_every_calendar_month_of_the_period(start, end, months):
    assert months_touched(start, end) == months


def test_flat_monthly_fee_is_the_monthly_fee_times_the_months_touched():
    [line] = fee_lines(plan=_plan(kind=FeePlanKind.FLAT_MONTHLY), inputs=INPUTS)

    assert (line.quantity, line.unit, line.unit_price, line.amount) == (4, "か月", 4_000, 16_000)
    assert line.description == "CALSシステム利用料（月額 × 工期の月数）"
    assert line.explanation == {
        "plan_id": 7,
        "plan_name": "標準プラン",
        "plan_active_from": "2026-04-01",
        "rule": "flat_monthly",
        "period_start": "2026-12-01",
        "period_end": "2027-03-19",
        "months": 4,
        "monthly_fee": 4_000,
    }


@pytest.mark.parametrize(
    ("contract_amount", "amount", "tier_index", "description"),
    [
        (9_999_999, 20_000, 0, "CALSシステム利用料（請負金額 10,000,000円以下）"),
        (10_000_000, 20_000, 0, "CALSシステム利用料（請負金額 10,000,000円以下）"),
        (48_400_000, 40_000, 1, "CALSシステム利用料（請負金額 50,000,000円以下）"),
        (50_000_001, 60_000, 2, "CALSシステム利用料（請負金額 50,000,000円超）"),
    ],
)
def test_tiered_fee_is_chosen_by_the_contract_amount(contract_amount, amount, tier_index, description):
    inputs = FeeInputs(INPUTS.period_start, INPUTS.period_end, original_contract_amount=contract_amount)

    [line] = fee_lines(plan=_plan(kind=FeePlanKind.TIERED, tiers=TIERS, monthly_fee=0), inputs=inputs)

    assert (line.quantity, line.unit, line.unit_price, line.amount) == (1, "式", amount, amount)
    assert line.description == description
    assert line.explanation["original_contract_amount"] == contract_amount
    assert line.explanation["tier_index"] == tier_index
    assert line.explanation["tier"] == TIERS[tier_index]
    assert line.explanation["rule"] == "tiered"


def test_initial_fee_plus_monthly_with_the_first_month_free():
    plan = _plan(kind=FeePlanKind.INITIAL_PLUS_MONTHLY, initial_fee=10_000, monthly_fee=3_000)

    initial, monthly = fee_lines(plan=plan, inputs=INPUTS)

    assert (initial.description, initial.quantity, initial.unit_price, initial.amount) == (
        "CALSシステム初期費用",
        1,
        10_000,
        10_000,
    )
    assert initial.explanation["part"] == "initial"
    assert (monthly.description, monthly.quantity, monthly.unit_price, monthly.amount) == (
        "CALSシステム利用料（月額、初月無料）",
        3,
        3_000,
        9_000,
    )
    assert monthly.explanation == {
        "plan_id": 7,
        "plan_name": "標準プラン",
        "plan_active_from": "2026-04-01",
        "rule": "initial_plus_monthly",
        "period_start": "2026-12-01",
        "period_end": "2027-03-19",
        "months": 4,
        "part": "monthly",
        "monthly_fee": 3_000,
        "free_months": 1,
        "billable_months": 3,
    }


def test_initial_plus_monthly_for_a_one_month_project_charges_only_the_initial_fee():
    plan = _plan(kind=FeePlanKind.INITIAL_PLUS_MONTHLY, initial_fee=10_000, monthly_fee=3_000)
    inputs = FeeInputs(date(2026, 12, 1), date(2026, 12, 20), original_contract_amount=1)

    lines = fee_lines(plan=plan, inputs=inputs)

    assert [(line.description, line.amount) for line in lines] == [("CALSシステム初期費用", 10_000)]


@pytest.mark.parametrize(
    ("tiers", "problem"),
    [
        (TIERS, ""),
        ([], "段階料金表を1段以上入力してください。"),
        ([{"up_to": 10, "amount": 1}], "最後の段は上限なし（up_to: null）にしてください。"),
        (
            [{"up_to": 10, "amount": 1}, {"up_to": 5, "amount": 2}, {"up_to": None, "amount": 3}],
            "2段目の上限額は前の段より大きい整数にしてください。",
        ),
        ([{"up_to": None, "amount": -1}], "1段目の金額が正しくありません。"),
    ],
)
def test_tier_tables_are_checked(tiers, problem):
    assert tiers_problem(tiers) == problem


# --- the draft made at start of use ---------------------------------------------------------------


@pytest.mark.django_db
def test_draft_at_start_of_use_has_the_plan_lines_the_address_and_the_tax():
    configured()
    project = make_project(started_at=jst(2026, 11, 10))

    invoice = invoice_draft_for_project(project=project, actor=ACTOR)

    assert invoice.status == InvoiceStatus.DRAFT
    assert invoice.number is None
    assert (invoice.subtotal, invoice.tax, invoice.total) == (16_000, 1_600, 17_600)
    assert invoice.tax_breakdown == [{"rate": 10, "taxable": 16_000, "tax": 1_600}]
    assert invoice.transaction_date == date(2026, 11, 10)
    assert invoice.run_month == date(2026, 12, 1)
    assert invoice.customer_code == f"C{project.pk:08d}"
    assert (invoice.billing_addressee, invoice.billing_department, invoice.billing_postcode) == (
        "株式会社越後建設",
        "工事部",
        "950-0088",
    )
    assert invoice.payer_kana == "カブシキガイシャエチゴケンセツ"
    [line] = invoice.lines.all()
    assert (line.amount, line.tax_rate_percent) == (16_000, 10)
    assert line.explanation["months"] == 4
    assert line.explanation["tax_rate_percent"] == 10
    assert line.explanation["started_on"] == "2026-11-10"
    assert list(AuditEvent.objects.filter(subject_type="invoice").values_list("action", flat=True)) == [
        "invoice.drafted"
    ]


@pytest.mark.django_db
def test_drafting_twice_returns_the_same_draft_and_records_nothing_more():
    configured()
    project = make_project()
    first = invoice_draft_for_project(project=project, actor=ACTOR)

    second = invoice_draft_for_project(project=project, actor=ACTOR)

    assert second.pk == first.pk
    assert Invoice.objects.count() == 1
    assert AuditEvent.objects.filter(action="invoice.drafted").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("started", "run_month"),
    [
        (jst(2026, 11, 15, 23), date(2026, 12, 1)),  # by the 15th (Japan time) → next month's run
        (jst(2026, 11, 16, 0), date(2027, 1, 1)),  # after → the month after
        (jst(2026, 12, 1), date(2027, 1, 1)),
        (jst(2026, 12, 31), date(2027, 2, 1)),  # across the year end
    ],
)
def test_the_run_month_follows_the_plans_cutoff_day(started, run_month):
    configured()

    invoice = invoice_draft_for_project(project=make_project(started_at=started), actor=ACTOR)

    assert invoice.run_month == run_month


@pytest.mark.django_db
def test_a_configurable_cutoff_day_moves_the_run():
    configured(invoice_cutoff_day=20)

    invoice = invoice_draft_for_project(project=make_project(started_at=jst(2026, 11, 18)), actor=ACTOR)

    assert invoice.run_month == date(2026, 12, 1)


@pytest.mark.django_db
def test_tiers_are_fixed_at_the_original_contract_amount():
    configured(kind=FeePlanKind.TIERED, tiers=TIERS, monthly_fee=0)
    project = make_project(contract_amount=48_400_000)
    project.contract_amount = 65_000_000  # a later 変更契約 raised it
    project.save()

    invoice = invoice_draft_for_project(project=project, actor=ACTOR)

    assert invoice.subtotal == 40_000
    assert invoice.lines.get().explanation["original_contract_amount"] == 48_400_000


@pytest.mark.django_db
def test_the_plan_in_force_on_the_start_day_applies():
    configured(active_from=date(2026, 4, 1), monthly_fee=4_000)
    make_plan(active_from=date(2026, 12, 1), monthly_fee=5_000)

    before = invoice_draft_for_project(project=make_project(started_at=jst(2026, 11, 30)), actor=ACTOR)
    after = invoice_draft_for_project(project=make_project(started_at=jst(2026, 12, 1)), actor=ACTOR)

    assert (before.subtotal, after.subtotal) == (16_000, 20_000)


@pytest.mark.django_db
def test_without_a_fee_plan_no_draft_is_made():
    project = make_project()

    with pytest.raises(BillingNotConfigured):
        invoice_draft_for_project(project=project, actor=ACTOR)

    assert Invoice.objects.count() == 0
    assert AuditEvent.objects.count() == 0


# --- registration number (T + corporate number) ---------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "T7000012050002",  # 国税庁
        "T7010705000725",  # 日本税理士会連合会 (published example)
        "T4011001098993",
        "T6912345678901",  # the demo issuer's fictional number
    ],
)
def test_valid_registration_numbers_pass_the_check_digit(number):
    assert registration_number_is_valid(number)
    validate_registration_number(number)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("T8000012050002", "check_digit"),  # first digit changed
        ("T7000012050003", "check_digit"),  # last digit changed
        ("T700001205000", "shape"),  # 12 digits
        ("7000012050002", "shape"),  # no T
        ("t7000012050002", "shape"),
    ],
)
def test_invalid_registration_numbers_are_refused(number, code):
    assert not registration_number_is_valid(number)
    with pytest.raises(ValidationError) as caught:
        validate_registration_number(number)
    assert caught.value.code == code


def test_check_digit_follows_the_ordinance_formula():
    # base 000012050002: digits from the right ×1,×2,… = 2+0+0+0+5+0+2+2 = 11; 9 − 11 mod 9 = 7
    assert corporate_number_check_digit("000012050002") == 7


def test_full_width_and_hyphenated_input_is_normalised():
    assert registration_number_normalise("ｔ７０００-０１２０-５０００２") == "T7000012050002"
    assert registration_number_normalise(" T 7000 0120 50002　") == "T7000012050002"


@pytest.mark.django_db
def test_fee_plan_clean_refuses_a_broken_tier_table():
    plan = make_plan(kind=FeePlanKind.TIERED, tiers=[{"up_to": 10, "amount": 1}], monthly_fee=0)

    with pytest.raises(ValidationError) as caught:
        plan.full_clean()

    assert caught.value.message_dict["tiers"] == ["最後の段は上限なし（up_to: null）にしてください。"]


@pytest.mark.django_db
def test_demo_billing_configuration_is_idempotent_and_drafts_work():
    from calsreg.billing.demo import DEMO_ISSUER, load_demo_billing
    from calsreg.billing.models import Issuer

    OrganisationFactory()
    first = load_demo_billing()
    second = load_demo_billing()

    assert first["plans_created"] == 1
    assert second == {"issuer_id": first["issuer_id"], "plans_created": 0}
    issuer = Issuer.objects.get()
    issuer.full_clean()  # the fictional number passes the check digit
    assert issuer.registration_number == DEMO_ISSUER["registration_number"]
    invoice = invoice_draft_for_project(project=make_project(), actor=ACTOR)
    assert invoice.subtotal == 16_000
