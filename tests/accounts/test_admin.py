"""Users in the Django admin (issue 9, item 10): an account holder's e-mail and phone — what a
password reset and the call-back trust — cannot be changed there, nor anyone's password; staff
users are added and edited through the audited service, a few fields only."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from calsreg.accounts.models import Role, User
from calsreg.records.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # the factory's


@pytest.fixture
def superuser(client):
    user = UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True, username="root")
    client.force_login(user)
    return user


def _users() -> list[tuple]:
    return list(
        User.objects.order_by("pk").values_list(
            "pk", "username", "email", "phone", "role", "is_active", "is_staff", "is_superuser", "password"
        )
    )


def _snapshot() -> tuple:
    return _users(), AuditEvent.objects.count(), LogEntry.objects.count()


def test_a_superuser_cannot_change_a_contractors_email_or_phone_in_the_admin(client, superuser):
    # given: a contractor account
    contractor = UserFactory(
        role=Role.CONTRACTOR, email="tanaka@echigo-kensetsu.example.co.jp", phone="090-1234-5678"
    )
    before = _snapshot()
    url = reverse("admin:accounts_user_change", args=[contractor.pk])

    # when: the change form is posted with the attacker's address and number
    response = client.post(
        url,
        {
            "username": contractor.username,
            "display_name": contractor.display_name,
            "email": "tanaka@attacker.example.com",
            "phone": "090-6666-6666",
            "role": Role.CONTRACTOR,
            "is_active": "on",
            "_save": "保存",
        },
    )
    page = client.get(url)

    # then: refused, nothing changed; the page shows the account read-only, and no password hash
    assert response.status_code == 403
    assert _snapshot() == before
    content = page.content.decode()
    assert page.status_code == 200
    assert "tanaka@echigo-kensetsu.example.co.jp" in content and 'name="email"' not in content
    assert contractor.password not in content


def test_nobody_s_password_can_be_set_in_the_admin(client, superuser):
    contractor = UserFactory(role=Role.CONTRACTOR)
    staff = UserFactory(role=Role.HELP_DESK)
    before = _snapshot()

    statuses = [
        client.post(
            reverse("admin:auth_user_password_change", args=[user.pk]),
            {
                "usable_password": "true",
                "password1": "Attacker-chosen-2026",
                "password2": "Attacker-chosen-2026",
            },
        ).status_code
        for user in (contractor, staff)
    ]

    assert statuses == [403, 403]
    assert _snapshot() == before
    contractor.refresh_from_db()
    assert contractor.check_password(PASSWORD)


def test_a_user_cannot_be_deleted_in_the_admin(client, superuser):
    contractor = UserFactory(role=Role.CONTRACTOR)
    before = _snapshot()

    response = client.post(reverse("admin:accounts_user_delete", args=[contractor.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert _snapshot() == before


def test_a_staff_user_added_in_the_admin_is_audited_and_cannot_use_the_admin(client, superuser):
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "helpdesk2",
            "display_name": "受付 次郎",
            "email": "jiro@calsreg.example.jp",
            "role": Role.HELP_DESK,
            "usable_password": "true",
            "password1": "Kantan-dewa-nai-2026",
            "password2": "Kantan-dewa-nai-2026",
            "is_staff": "on",
            "is_superuser": "on",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="helpdesk2")
    assert (user.role, user.display_name, user.is_staff, user.is_superuser) == (
        Role.HELP_DESK,
        "受付 次郎",
        False,
        False,
    )
    event = AuditEvent.objects.get(action="staff_user.created")
    assert (event.actor_id, event.subject_id) == (superuser.pk, user.pk)
    assert event.data["changes"]["email"] == {"before": None, "after": "jiro@calsreg.example.jp"}
    assert "password" not in event.data["changes"]


def test_an_account_holder_cannot_be_added_in_the_admin(client, superuser):
    before = _snapshot()

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "tanaka.abc",
            "display_name": "田中 一郎",
            "email": "tanaka@attacker.example.com",
            "role": Role.CONTRACTOR,
            "usable_password": "true",
            "password1": "Kantan-dewa-nai-2026",
            "password2": "Kantan-dewa-nai-2026",
        },
    )

    assert response.status_code == 200  # the form again, with the role refused
    assert "role" in response.context["adminform"].form.errors
    assert _snapshot() == before


def test_a_staff_users_edit_is_audited_with_before_and_after_and_touches_nothing_else(client, superuser):
    staff = UserFactory(role=Role.HELP_DESK, display_name="受付 花子", email="hanako@calsreg.example.jp")

    response = client.post(
        reverse("admin:accounts_user_change", args=[staff.pk]),
        {
            "display_name": "受付 花子",
            "email": "hanako@calsreg.example.jp",
            "role": Role.BILLING_AGENT,
            # "is_active" left out: the checkbox unticked
            "is_superuser": "on",
            "phone": "090-6666-6666",
            "_save": "保存",
        },
    )

    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.role, staff.is_active, staff.is_superuser, staff.phone) == (
        Role.BILLING_AGENT,
        False,
        False,
        "",
    )
    event = AuditEvent.objects.get(action="staff_user.changed")
    assert event.data["changes"] == {
        "role": {"before": "help_desk", "after": "billing_agent"},
        "is_active": {"before": True, "after": False},
    }
