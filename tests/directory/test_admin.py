"""A directory supervisor's phone is the number the impersonation check calls and their address is
where the confirmation mail goes: the Django admin cannot change them (issue 9, item 10)."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.directory.models import Supervisor
from calsreg.records.models import AuditEvent
from tests.factories import SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple:
    return (
        list(
            Supervisor.objects.order_by("pk").values_list(
                "pk", "name", "email", "phone", "active", "office_id"
            )
        ),
        AuditEvent.objects.count(),
        LogEntry.objects.count(),
    )


def test_a_superuser_cannot_change_a_supervisors_phone_or_address_in_the_admin(client):
    # given: a directory supervisor and a signed-in superuser
    supervisor = SupervisorFactory(
        name="山田 直樹", email="yamada.n@office.example.pref-niigata.jp", phone="025-280-8101"
    )
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    before = _snapshot()
    url = reverse("admin:directory_supervisor_change", args=[supervisor.pk])

    # when: the change form is posted complete, with the attacker's number and address
    response = client.post(
        url,
        {
            "office": supervisor.office_id,
            "code": supervisor.code,
            "name": supervisor.name,
            "kana": supervisor.kana,
            "title": supervisor.title,
            "email": "yamada.n@attacker.example.com",
            "phone": "090-6666-6666",
            "active": "on",
            "_save": "保存",
        },
    )
    page = client.get(url)

    # then: refused, nothing changed, and the page still shows the directory's values read-only
    assert response.status_code == 403
    assert _snapshot() == before
    assert Supervisor.objects.values_list("email", "phone").get() == (
        "yamada.n@office.example.pref-niigata.jp",
        "025-280-8101",
    )
    content = page.content.decode()
    assert page.status_code == 200
    assert "025-280-8101" in content and 'name="phone"' not in content and 'name="_save"' not in content


def test_a_superuser_cannot_add_a_supervisor_in_the_admin(client):
    supervisor = SupervisorFactory()
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    before = _snapshot()

    response = client.post(
        reverse("admin:directory_supervisor_add"),
        {
            "office": supervisor.office_id,
            "code": "S99999",
            "name": "偽 監督",
            "kana": "ニセ カントク",
            "title": supervisor.title,
            "email": "fake@attacker.example.com",
            "phone": "090-6666-6666",
            "active": "on",
        },
    )

    assert response.status_code == 403
    assert _snapshot() == before
