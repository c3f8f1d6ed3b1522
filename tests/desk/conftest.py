"""Fixtures of the desk tests: signed-in clients per role."""

from __future__ import annotations

import pytest

from calsreg.accounts.models import Role
from tests.factories import UserFactory


@pytest.fixture
def desk_user(db):
    return UserFactory(role=Role.HELP_DESK, username="helpdesk1", display_name="受付 花子")


@pytest.fixture
def desk_client(client, desk_user):
    client.force_login(desk_user)
    return client
