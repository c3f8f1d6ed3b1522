"""The billing configuration stays editable in the Django admin, but every save is audited with
before and after — the issuer's bank account is where contractors transfer the fee (issue 9,
item 10) — and nothing is deleted there."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.models import Issuer
from calsreg.records.models import AuditEvent
from tests.billing.invoice_helpers import make_issuer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_changing_the_issuers_bank_account_leaves_an_audit_event_with_before_and_after(client, superuser):
    issuer = make_issuer()
    form = {k: v for k, v in model_to_dict(issuer).items() if k not in ("id",) and v is not None}

    response = client.post(
        reverse("admin:billing_issuer_change", args=[issuer.pk]),
        {**form, "active": "on", "account_number": "7654321", "bank_branch": "駅前支店", "_save": "保存"},
    )

    assert response.status_code == 302
    assert Issuer.objects.values_list("account_number", "bank_branch").get() == ("7654321", "駅前支店")
    event = AuditEvent.objects.get(action="billing.config_changed")
    assert (event.actor_id, event.subject_type, event.subject_id) == (superuser.pk, "issuer", issuer.pk)
    assert event.data == {
        "model": "issuer",
        "changes": {
            "bank_branch": {"before": "本店営業部", "after": "駅前支店"},
            "account_number": {"before": "1234567", "after": "7654321"},
        },
    }


def test_the_issuer_cannot_be_deleted_in_the_admin(client, superuser):
    issuer = make_issuer()

    response = client.post(reverse("admin:billing_issuer_delete", args=[issuer.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert (Issuer.objects.count(), AuditEvent.objects.count()) == (1, 0)
