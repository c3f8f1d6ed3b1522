"""Builders for the invoice tests: a project that has started, the billing configuration, drafts."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.applications.models import Application, Channel
from calsreg.billing.models import (
    FeePlan,
    FeePlanKind,
    Invoice,
    Issuer,
    IssuingArrangement,
    IssuingRegime,
    Seller,
    TaxRate,
)
from calsreg.billing.services import invoice_draft_for_project
from calsreg.directory.models import OrdererOffice
from calsreg.records.services import Actor
from tests.factories import OfficeFactory, OrganisationFactory

JST = ZoneInfo("Asia/Tokyo")
ACTOR = Actor.system("test")
_receipts = itertools.count(1)

ISSUER_FIELDS: dict[str, Any] = {
    "name": "NECキャピタルソリューション株式会社",
    "registration_number": "T7000012050002",  # the National Tax Agency's own number: a real, valid one
    "postcode": "108-0075",
    "address": "東京都港区港南二丁目15番3号",
    "phone": "03-1234-5678",
    "department": "請求代行センター",
    "bank_name": "サンプル銀行",
    "bank_branch": "本店営業部",
    "account_type": "ordinary",
    "account_number": "1234567",
    "account_holder_kana": "エヌイーシーキヤピタルソリユーシヨン（カ",
}


# The ASP (売手): a fictional number with a valid check digit (no corporate number starts with 9).
SELLER_FIELDS: dict[str, Any] = {
    "name": "新潟県CALSシステム運営共同企業体",
    "registration_number": "T5912345678902",
    "postcode": "950-0965",
    "address": "新潟県新潟市中央区新光町4番地1",
}


def jst(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=JST)


def make_issuer(**overrides: Any) -> Issuer:
    """The billing agent; with the seller and the regime (媒介者交付特例, the agent registered and
    notified) when none is configured yet, so invoices can be issued."""
    issuer = Issuer.objects.create(**{**ISSUER_FIELDS, **overrides})
    if not Seller.objects.exists():
        make_seller()
    if not IssuingArrangement.objects.exists():
        make_arrangement()
    return issuer


def make_seller(**overrides: Any) -> Seller:
    return Seller.objects.create(**{**SELLER_FIELDS, **overrides})


def make_arrangement(regime: str = IssuingRegime.INTERMEDIARY, **overrides: Any) -> IssuingArrangement:
    fields: dict[str, Any] = {"regime": regime, "valid_from": date(2023, 10, 1)}
    if regime == IssuingRegime.INTERMEDIARY:
        fields["seller_notified_on"] = date(2023, 9, 1)
    return IssuingArrangement.objects.create(**{**fields, **overrides})


def make_plan(**overrides: Any) -> FeePlan:
    fields: dict[str, Any] = {
        "organisation": OrganisationFactory(),
        "name": "標準プラン",
        "kind": FeePlanKind.FLAT_MONTHLY,
        "active_from": date(2026, 4, 1),
        "monthly_fee": 4_000,
        "invoice_cutoff_day": 15,
    }
    fields.update(overrides)
    return FeePlan.objects.create(**fields)


def make_project(
    *,
    office: OrdererOffice | None = None,
    started_at: datetime | None = None,
    period_start: date = date(2026, 12, 1),
    period_end: date = date(2027, 3, 19),
    contract_amount: int = 48_400_000,
    **application_overrides: Any,
) -> Project:
    office = office or OfficeFactory()
    started_at = started_at or jst(2026, 11, 10)
    fields: dict[str, Any] = {
        "receipt_number": f"A2026-{next(_receipts):05d}",
        "status": "registered",
        "channel": Channel.WEB,
        "submitted_at": jst(2026, 10, 20),
        "office": office,
        "project_number": "R8-新潟-土木-0123",
        "project_name": "信濃川護岸設置工事",
        "project_location": "新潟市中央区白山浦地内",
        "period_start": period_start,
        "period_end": period_end,
        "contract_amount": contract_amount,
        "contract_date": date(2026, 10, 1),
        "contractor_name": "株式会社越後建設",
        "contractor_kana": "カブシキガイシャエチゴケンセツ",
        "contractor_representative": "越後 正樹",
        "contractor_postcode": "950-0088",
        "contractor_address": "新潟県新潟市中央区万代1丁目1番1号",
        "contractor_phone": "025-244-1234",
        "applicant_name": "田中 一郎",
        "applicant_kana": "タナカ イチロウ",
        "applicant_email": "tanaka@echigo-kensetsu.example.co.jp",
        "applicant_phone": "090-1234-5678",
        "billing_addressee": "株式会社越後建設",
        "billing_department": "工事部",
        "billing_postcode": "950-0088",
        "billing_address": "新潟県新潟市中央区万代1丁目1番1号",
        "billing_phone": "025-244-1234",
        "terms_version": "2026-04",
        "terms_accepted_at": jst(2026, 10, 20),
    }
    fields.update(application_overrides)
    application = Application.objects.create(**fields)
    return Project.objects.create(
        application=application,
        office=office,
        project_number=application.project_number,
        name=application.project_name,
        location=application.project_location,
        period_start=period_start,
        period_end=period_end,
        contract_amount=contract_amount,
        contractor_name=application.contractor_name,
        status=ProjectStatus.ACTIVE,
        started_at=started_at,
    )


def standard_tax_rate() -> TaxRate:
    """The 10 % rate from 2019-10-01. Seeded by a migration; a transactional test's flush removes it
    for the tests that follow, so it is made again here when missing."""
    rate, _created = TaxRate.objects.get_or_create(
        valid_from=date(2019, 10, 1), defaults={"rate_percent": 10}
    )
    return rate


def configured(**plan_overrides: Any) -> FeePlan:
    """An active issuer and a plan for the default test organisation, and the 10 % rate."""
    standard_tax_rate()
    if not Issuer.objects.filter(active=True).exists():
        make_issuer()
    return make_plan(**plan_overrides)


def drafted(**project_overrides: Any) -> Invoice:
    return invoice_draft_for_project(project=make_project(**project_overrides), actor=ACTOR)
