"""`make demo` loads its data through the real services, and loading twice changes nothing."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from calsreg.accounts.models import Project
from calsreg.applications.models import Application
from calsreg.demo.flow import DEMO_ACCOUNT_PASSWORD

pytestmark = pytest.mark.django_db


def test_demo_data_is_idempotent_and_its_account_holder_can_sign_in(client, settings):
    settings.EMAIL_BACKEND = "calsreg.notifications.outbox.OutboxEmailBackend"
    first = StringIO()
    call_command("load_demo_data", stdout=first)
    counts = (Application.objects.count(), Project.objects.count())
    call_command("load_demo_data", stdout=StringIO())

    assert (Application.objects.count(), Project.objects.count()) == counts == (14, 3)
    assert sorted(Project.objects.values_list("status", flat=True)) == ["active", "active", "provisioned"]
    account_id = re.search(r"受注者\s+ID: (\S+)", first.getvalue()).group(1)
    response = client.post(
        reverse("portal:login"), {"username": account_id, "password": DEMO_ACCOUNT_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("portal:mypage")).status_code == 200
