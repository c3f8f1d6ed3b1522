"""The demo directory: twelve bureau offices loaded through the real import, idempotently."""

from __future__ import annotations

import pytest

from calsreg.directory.demo import load_demo_directory
from calsreg.directory.models import OrdererOffice, OrdererOrganisation, Supervisor, SupervisorTitle
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.directory.factories import record_counts

pytestmark = pytest.mark.django_db


def test_demo_loads_twelve_offices_with_their_supervisors():
    load_demo_directory(actor=Actor.system("demo"))

    assert list(OrdererOrganisation.objects.values_list("code", "name")) == [("15", "新潟県")]
    assert list(OrdererOffice.objects.values_list("name", flat=True)) == [
        f"{bureau}地域振興局 地域整備部"
        for bureau in (
            "村上",
            "新発田",
            "新潟",
            "三条",
            "長岡",
            "魚沼",
            "南魚沼",
            "十日町",
            "柏崎",
            "上越",
            "糸魚川",
            "佐渡",
        )
    ]
    assert Supervisor.objects.count() == 39
    assert Supervisor.objects.filter(title=SupervisorTitle.CHIEF_SUPERVISOR).count() == 12
    assert Supervisor.objects.filter(title=SupervisorTitle.SUPERVISOR).count() == 24
    assert Supervisor.objects.filter(title=SupervisorTitle.GENERAL_SUPERVISOR).count() == 3
    # Reserved top-level domain (RFC 2606): a demo mail can never reach a real person.
    assert all(
        email.endswith(".pref-niigata.example")
        for email in Supervisor.objects.values_list("email", flat=True)
    )
    assert Supervisor.objects.values_list("email", "phone", "office__phone").get(code="150101") == (
        "sato.k@murakami.pref-niigata.example",
        "0254-53-8101",
        "0254-53-8372",
    )
    assert AuditEvent.objects.filter(action__startswith="directory.").count() == 1 + 12 + 39


def test_demo_is_idempotent():
    load_demo_directory(actor=Actor.system("demo"))
    before = record_counts()

    load_demo_directory(actor=Actor.system("demo"))

    assert record_counts() == before
