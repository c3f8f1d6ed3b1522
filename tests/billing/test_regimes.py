"""The issuer configuration (decision 0008): chosen in the admin, saved through the audited service,
the one in force on the issue day used; refused — naming the field, changing nothing — when the
intermediary regime lacks a registration or the notice, or when validities overlap."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.errors import BillingNotConfigured
from calsreg.billing.models import Invoice, Issuer, IssuingArrangement, IssuingRegime, Seller
from calsreg.billing.selectors import issuer_active
from calsreg.billing.services import billing_run
from calsreg.billing.services.config import billing_config_save
from calsreg.core.errors import ValidationFailed
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.billing.invoice_helpers import (
    ACTOR,
    configured,
    drafted,
    jst,
    make_arrangement,
    make_issuer,
    make_seller,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    return client


def _state() -> tuple:
    return (
        list(Issuer.objects.order_by("pk").values_list("registration_number", "valid_from", "valid_until")),
        list(Seller.objects.order_by("pk").values_list("name", "valid_from", "valid_until")),
        list(IssuingArrangement.objects.order_by("pk").values_list("regime", "valid_from", "valid_until")),
        AuditEvent.objects.count(),
    )


def test_the_admin_refuses_the_intermediary_regime_while_the_agent_is_not_registered(admin_client):
    make_seller()
    make_arrangement(IssuingRegime.AGENT_DELIVERY, valid_until=date(2026, 12, 31))
    make_issuer(registration_number="")
    before = _state()

    response = admin_client.post(
        reverse("admin:billing_issuingarrangement_add"),
        {
            "regime": IssuingRegime.INTERMEDIARY,
            "valid_from": "2027-01-01",
            "seller_notified_on": "2026-12-01",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["regime"] == [
        "媒介者交付特例には請求代行会社の登録番号が必要です。"
        "「NECキャピタルソリューション株式会社」の登録番号を先に入力するか、代理交付を選んでください。"
    ]
    assert _state() == before


def test_the_admin_refuses_the_intermediary_regime_without_the_sellers_notice(admin_client):
    make_seller()
    make_arrangement(IssuingRegime.AGENT_DELIVERY, valid_until=date(2026, 12, 31))
    make_issuer()
    before = _state()

    response = admin_client.post(
        reverse("admin:billing_issuingarrangement_add"),
        {"regime": IssuingRegime.INTERMEDIARY, "valid_from": "2027-01-01", "seller_notified_on": ""},
    )

    assert response.context["adminform"].form.errors["seller_notified_on"] == [
        "媒介者交付特例では、売手から登録を受けている旨の通知を受けた日を入力してください。"
    ]
    assert _state() == before


def test_the_admin_refuses_removing_the_agents_registration_under_the_intermediary_regime(admin_client):
    configured()  # the agent registered, the 媒介者交付特例 from 2023-10-01
    agent = Issuer.objects.get()
    before = _state()

    response = admin_client.post(
        reverse("admin:billing_issuer_change", args=[agent.pk]),
        {
            **{
                name: value
                for name, value in Issuer.objects.values().get(pk=agent.pk).items()
                if value is not None and name not in ("id", "created_at", "updated_at")
            },
            "registration_number": "",
            "active": "on",
        },
    )

    assert response.context["adminform"].form.errors["registration_number"] == [
        "この期間は媒介者交付特例のため、請求代行会社の登録番号が必要です。登録番号を入力してください。"
    ]
    assert _state() == before


def test_the_admin_refuses_a_seller_whose_validity_overlaps_another(admin_client):
    make_seller(valid_until=None)
    before = _state()

    response = admin_client.post(
        reverse("admin:billing_seller_add"),
        {
            "name": "次の運営会社",
            "registration_number": "T2900000000015",
            "postcode": "950-0001",
            "address": "新潟市",
            "valid_from": "2027-04-01",
        },
    )

    [message] = response.context["adminform"].form.errors["valid_from"]
    assert message.startswith(
        "適用期間が「新潟県CALSシステム運営共同企業体（T5912345678902、2023-10-01〜）」"
    )
    assert _state() == before


def test_the_service_refuses_an_overlap_naming_the_field_and_saves_nothing():
    make_seller()
    before = _state()
    overlapping = Seller(
        name="次の運営会社",
        registration_number="T2900000000015",
        postcode="950-0001",
        address="新潟市",
        valid_from=date(2027, 4, 1),
    )

    with pytest.raises(ValidationFailed) as refused:
        billing_config_save(config=overlapping, actor=Actor.system("test"))

    assert [error.field for error in refused.value.errors] == ["valid_from"]
    assert _state() == before


def test_a_following_seller_is_saved_with_its_audit_and_applies_from_its_first_day(admin_client):
    seller = make_seller()
    make_arrangement(IssuingRegime.AGENT_DELIVERY)
    make_issuer()
    seller.valid_until = date(2027, 3, 31)
    billing_config_save(config=seller, actor=Actor.system("test"))

    response = admin_client.post(
        reverse("admin:billing_seller_add"),
        {
            "name": "次の運営会社",
            "registration_number": "T2900000000015",
            "postcode": "950-0001",
            "address": "新潟市",
            "valid_from": "2027-04-01",
        },
    )

    assert response.status_code == 302
    assert issuer_active(on=date(2027, 3, 31)).seller.name == "新潟県CALSシステム運営共同企業体"
    assert issuer_active(on=date(2027, 4, 1)).seller.name == "次の運営会社"
    assert AuditEvent.objects.filter(action="billing.config_created", subject_type="seller").count() == 1


def test_a_billing_run_without_a_regime_in_force_is_refused_and_issues_nothing():
    configured()
    IssuingArrangement.objects.update(valid_until=date(2026, 11, 30))
    draft = drafted(started_at=jst(2026, 11, 10))
    before = _state()

    with time_machine.travel(jst(2026, 12, 1, 9), tick=False), pytest.raises(BillingNotConfigured) as refused:
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)

    assert "2026-12-01 時点の適格請求書の交付方式が設定されていません。" in str(refused.value)
    draft.refresh_from_db()
    assert (draft.status, draft.number, Invoice.objects.exclude(status="draft").count()) == ("draft", None, 0)
    assert _state() == before


def test_the_regime_in_force_on_the_issue_day_is_frozen_in_the_invoice():
    configured()
    IssuingArrangement.objects.update(valid_until=date(2026, 11, 30))
    make_arrangement(IssuingRegime.AGENT_DELIVERY, valid_from=date(2026, 12, 1))
    invoice = drafted(started_at=jst(2026, 11, 10))

    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)

    invoice.refresh_from_db()
    assert invoice.document_snapshot["regime"] == IssuingRegime.AGENT_DELIVERY
    assert invoice.document_snapshot["seller"]["registration_number"] == "T5912345678902"
    assert invoice.document_snapshot["issuer"]["registration_number"] == "T7000012050002"
