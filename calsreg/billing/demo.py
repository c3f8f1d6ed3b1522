"""Demo billing configuration: the seller (the ASP), the billing agent of seed step 6 under the
媒介者交付特例 (decision 0008), and Niigata Prefecture's fee plan.

The agent's name is the seed's; the seller's name, both registration numbers, addresses, telephone
and bank account are fictional (the number merely has a valid check digit; the bank is a placeholder name). The fee plan
is invented too: the seed gives no fees for Niigata (domain.md, Fees). Idempotent.
"""

from __future__ import annotations

from datetime import date

from calsreg.billing.models import (
    AccountType,
    FeePlan,
    FeePlanKind,
    Issuer,
    IssuingArrangement,
    IssuingRegime,
    Seller,
    TaxRate,
)
from calsreg.directory.models import OrdererOrganisation

DEMO_ISSUER = {
    "name": "NECキャピタルソリューション株式会社",
    # Fictional: no corporate number's base starts with 9 (companies' start 0–5, other bodies' 7),
    # so this valid-looking number belongs to no one.
    "registration_number": "T6912345678901",
    "postcode": "108-0075",
    "address": "東京都港区港南二丁目15番3号（デモ）",
    "phone": "03-0000-0000",
    "department": "CALS利用料 請求代行窓口",
    "bank_name": "サンプル銀行",
    "bank_branch": "本店営業部",
    "account_type": AccountType.ORDINARY,
    "account_number": "1234567",
    "account_holder_kana": "エヌイーシーキヤピタルソリユーシヨン（カ",
}
DEMO_SELLER = {
    "name": "新潟県CALSシステム運営共同企業体（デモ）",
    "registration_number": "T3987654321098",  # fictional, like the agent's
    "postcode": "950-0965",
    "address": "新潟県新潟市中央区新光町4番地1（デモ）",
}
DEMO_PLAN_FROM = date(2026, 4, 1)
DEMO_MONTHLY_FEE = 4_000


def load_demo_billing() -> dict[str, int]:
    """Create (or leave as they are) the seller, the agent, the regime, the 10 % tax rate and
    Niigata's flat monthly plan."""
    TaxRate.objects.get_or_create(valid_from=date(2019, 10, 1), defaults={"rate_percent": 10})
    issuer, _created = Issuer.objects.get_or_create(
        registration_number=DEMO_ISSUER["registration_number"], defaults=DEMO_ISSUER
    )
    Seller.objects.get_or_create(registration_number=DEMO_SELLER["registration_number"], defaults=DEMO_SELLER)
    IssuingArrangement.objects.get_or_create(
        regime=IssuingRegime.INTERMEDIARY,
        valid_from=date(2023, 10, 1),
        defaults={"seller_notified_on": date(2023, 9, 1)},
    )
    plans = 0
    organisation = OrdererOrganisation.objects.filter(code="15").first()
    if organisation is not None:
        _plan, created = FeePlan.objects.get_or_create(
            organisation=organisation,
            active_from=DEMO_PLAN_FROM,
            defaults={
                "name": "新潟県 標準プラン（月額）",
                "kind": FeePlanKind.FLAT_MONTHLY,
                "monthly_fee": DEMO_MONTHLY_FEE,
                "invoice_cutoff_day": 15,
            },
        )
        plans += int(created)
    return {"issuer_id": issuer.pk, "plans_created": plans}
