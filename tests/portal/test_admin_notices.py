"""The top page's notices are written in the Django admin, and each save and delete is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.portal.models import Notice
from calsreg.records.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_publishing_and_deleting_a_notice_are_audited(client):
    admin_user = UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    added = client.post(
        reverse("admin:portal_notice_add"),
        {
            "kind": "maintenance",
            "title": "システムメンテナンスのお知らせ",
            "body": "12月5日 2時〜4時は利用できません。",
            "published_at_0": "2026-11-24",
            "published_at_1": "10:00:00",
        },
    )
    notice = Notice.objects.get()
    deleted = client.post(reverse("admin:portal_notice_delete", args=[notice.pk]), {"post": "yes"})

    assert (added.status_code, deleted.status_code, Notice.objects.count()) == (302, 302, 0)
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_id", "subject_id"))
    assert events == [
        ("notice.published", admin_user.pk, notice.pk),
        ("notice.deleted", admin_user.pk, notice.pk),
    ]
    deleted_event = AuditEvent.objects.get(action="notice.deleted")
    assert deleted_event.data["changes"]["title"] == {
        "before": "システムメンテナンスのお知らせ",
        "after": None,
    }
