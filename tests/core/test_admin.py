"""The Django admin is a window, not a back door (issue 9, item 10): every registered model's pages
render for a superuser, domain models are read-only, and the few admin writes left go through an
audited service."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.models import BillingRun
from calsreg.core.admin import ReadOnlyAdminMixin
from calsreg.notifications.services import deliveries_send_due
from calsreg.portal.models import Notice
from calsreg.records.models import AuditEvent
from tests.billing.invoice_helpers import configured, drafted
from tests.desk.helpers import JST, submit_application
from tests.factories import SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db

OUTBOX_BACKEND = "calsreg.notifications.outbox.OutboxEmailBackend"
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
# Models whose admin may still write: through their owning service, which audits before/after.
AUDITED = {
    "accounts.User",
    "billing.Issuer",
    "billing.Seller",
    "billing.IssuingArrangement",
    "billing.FeePlan",
    "billing.TaxRate",
    "portal.Notice",
}
# Not the project's data: Django's groups (the app's roles are not permissions), the login
# throttle's records (owned by django-axes), the task queue (read-only in its own admin).
THIRD_PARTY = {"auth", "axes", "django_tasks_database"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST), tick=True):
        yield


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    return client


def _world(settings) -> None:
    """At least one row of most registered models, made through the real services."""
    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    submit_application(supervisor=SupervisorFactory())
    deliveries_send_due()
    configured()
    drafted(receipt_number="A2026-09999")
    BillingRun.objects.create(
        run_month=dt.date(2026, 12, 1), started_by_label="test", started_at=dt.datetime.now(JST)
    )
    Notice.objects.create(title="メンテナンスのお知らせ", published_at=dt.datetime.now(JST))
    UserFactory(role=Role.CONTRACTOR)
    Group.objects.create(name="閲覧")


def _url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_every_registered_model_renders_its_list_and_detail_for_a_superuser(
    superuser_client, settings, model, model_admin
):
    _world(settings)
    row = model._default_manager.order_by("pk").first()

    listed = superuser_client.get(_url(model, "changelist"))
    added = superuser_client.get(_url(model, "add"))
    detail = superuser_client.get(_url(model, "change", row.pk)) if row is not None else None

    assert listed.status_code == 200
    # the Content-Security-Policy allows no inline style: the admin's pages need none
    assert "<style" not in listed.content.decode()
    assert added.status_code == (200 if model_admin.has_add_permission(listed.wsgi_request) else 403)
    if detail is not None:
        assert detail.status_code == 200
        if isinstance(model_admin, ReadOnlyAdminMixin):
            assert 'name="_save"' not in detail.content.decode()


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_every_project_model_in_the_admin_is_read_only_or_saved_through_its_service(model, model_admin):
    label = model._meta.label
    if model._meta.app_label in THIRD_PARTY:
        pytest.skip("not the project's data")
    if label in AUDITED:
        kind = type(model_admin)
        assert kind.save_model is not admin.ModelAdmin.save_model
        # Deleting is refused, or it goes through the service too (one by one and in bulk).
        refused = kind.has_delete_permission is not admin.ModelAdmin.has_delete_permission
        audited = kind.delete_model is not admin.ModelAdmin.delete_model
        assert refused or (audited and kind.delete_queryset is not admin.ModelAdmin.delete_queryset)
    else:
        assert isinstance(model_admin, ReadOnlyAdminMixin)
        assert all(
            isinstance(inline, ReadOnlyAdminMixin) for inline in model_admin.get_inline_instances(None)
        )


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_a_read_only_model_refuses_add_change_delete_and_bulk_delete_and_changes_nothing(
    superuser_client, settings, model, model_admin
):
    if not isinstance(model_admin, ReadOnlyAdminMixin):
        pytest.skip("not read-only")
    _world(settings)
    row = model._default_manager.order_by("pk").first()
    before = (model._default_manager.count(), AuditEvent.objects.count(), LogEntry.objects.count())

    statuses = [superuser_client.post(_url(model, "add"), {}).status_code]
    if row is not None:
        statuses.append(superuser_client.post(_url(model, "change", row.pk), {}).status_code)
        statuses.append(superuser_client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code)
        superuser_client.post(
            _url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        )

    assert set(statuses) == {403}
    assert (model._default_manager.count(), AuditEvent.objects.count(), LogEntry.objects.count()) == before
