"""Fixtures of the confirmation tests."""

from __future__ import annotations

import pytest

from calsreg.accounts.models import Role
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, UserFactory


@pytest.fixture
def desk_user(db):
    return UserFactory(role=Role.HELP_DESK, username="helpdesk1", display_name="受付 花子")


@pytest.fixture
def desk(desk_user):
    return Actor.staff(desk_user)


@pytest.fixture
def supervisor(db):
    return SupervisorFactory(
        name="山田 直樹", email="yamada.n@office.example.pref-niigata.jp", phone="025-280-8101"
    )


@pytest.fixture
def desk_client(client, desk_user):
    client.force_login(desk_user)
    return client
