"""Staff sign-in at the desk: staff roles only, django-axes lockout page, sign-out by POST."""

from __future__ import annotations

import pytest
from django.urls import reverse

from calsreg.accounts.models import Role
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery-staple"


@pytest.mark.django_db
def test_help_desk_signs_in_and_lands_on_the_queue(client):
    UserFactory(username="uketsuke", role=Role.HELP_DESK)

    response = client.post(reverse("desk:login"), {"username": "uketsuke", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("desk:queue")
    assert client.get(reverse("desk:queue")).status_code == 200


@pytest.mark.django_db
def test_sign_in_follows_next(client):
    UserFactory(username="uketsuke", role=Role.HELP_DESK)

    response = client.post(
        reverse("desk:login") + "?next=/desk/outbox/",
        {"username": "uketsuke", "password": PASSWORD, "next": "/desk/outbox/"},
    )

    assert response["Location"] == "/desk/outbox/"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CONTRACTOR, Role.SUPERVISOR])
def test_account_holders_are_refused_with_a_message_pointing_to_my_page(client, role):
    UserFactory(username="genba.abc", role=role)

    response = client.post(reverse("desk:login"), {"username": "genba.abc", "password": PASSWORD})

    assert response.status_code == 200
    assert "マイページからログインしてください" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client):
    UserFactory(username="uketsuke", role=Role.HELP_DESK)

    response = client.post(reverse("desk:login"), {"username": "uketsuke", "password": "wrong"})

    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_failures_lock_the_id_out_with_a_page_saying_how_long(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 0.5  # hours
    UserFactory(username="uketsuke", role=Role.HELP_DESK)
    for _attempt in range(3):
        client.post(reverse("desk:login"), {"username": "uketsuke", "password": "wrong"})

    response = client.post(reverse("desk:login"), {"username": "uketsuke", "password": PASSWORD})

    content = response.content.decode()
    assert response.status_code == 429
    assert "ログインを一時停止しています" in content
    assert "30分ほど待ってから" in content
    assert "管理者" in content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_out_needs_post_and_returns_to_the_login_page(desk_client):
    assert desk_client.get(reverse("desk:logout")).status_code == 405

    response = desk_client.post(reverse("desk:logout"))

    assert response["Location"] == reverse("desk:login")
    assert desk_client.get(reverse("desk:queue")).status_code == 302
