"""Who may open the desk: anonymous → login, account holders and the billing agent → 403."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.records.models import Evidence
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, started
from tests.desk.helpers import submit_application
from tests.factories import UserFactory


def _desk_urls() -> list[str]:
    application = submit_application()
    evidence = Evidence.objects.get(subject_id=application.pk)
    return [
        reverse("desk:queue"),
        reverse("desk:application_detail", args=[application.pk]),
        reverse("desk:evidence", args=[evidence.pk]),
        reverse("desk:intake"),
        reverse("desk:directory"),
        reverse("desk:directory_export"),
        reverse("desk:outbox"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.CONTRACTOR, 403),
        (Role.SUPERVISOR, 403),
        (Role.BILLING_AGENT, 403),
        (Role.HELP_DESK, 200),
        (Role.ADMINISTRATOR, 200),
    ],
)
@time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True)  # a start of use within the period
def test_every_desk_page_is_for_help_desk_and_administrators_only(client, role, expected):
    urls = _desk_urls()
    if role in (Role.CONTRACTOR, Role.SUPERVISOR):
        # A usable account holder (project in use), so the refusal comes from the desk, not from the
        # middleware that signs out unusable accounts.
        _project, accounts = started()
        client.force_login(next(user for user in accounts if user.role == role))
    elif role is not None:
        client.force_login(UserFactory(role=role))

    statuses = {url: client.get(url).status_code for url in urls}

    assert statuses == dict.fromkeys(urls, expected)


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_desk_login_with_next(client):
    response = client.get(reverse("desk:queue") + "?status=submitted")

    assert response.status_code == 302
    assert response["Location"] == "/desk/login/?next=/desk/%3Fstatus%3Dsubmitted"


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["application_match", "directory_import", "directory_import_confirm"])
def test_post_only_pages_refuse_a_billing_agent(client, url_name):
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    args = [1] if url_name == "application_match" else []

    response = client.post(reverse(f"desk:{url_name}", args=args))

    assert response.status_code == 403


@pytest.mark.django_db
def test_forbidden_page_says_why_in_japanese(client):
    client.force_login(UserFactory(role=Role.BILLING_AGENT, display_name="請求 太郎"))

    response = client.get(reverse("desk:queue"))

    content = response.content.decode()
    assert "この画面を開く権限がありません" in content
    assert "請求 太郎（請求代行）" in content
