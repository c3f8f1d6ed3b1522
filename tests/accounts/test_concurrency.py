"""Registrations racing on PostgreSQL: one project per application, unique IDs, one set of mails."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from calsreg.accounts import credentials
from calsreg.accounts.models import Membership, Project, User
from calsreg.accounts.services import project_register
from calsreg.notifications.models import Delivery
from tests.accounts.helpers import TANAKA, application_in, desk_actor
from tests.factories import SupervisorFactory

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def _race(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` at the same moment, one thread (and database connection) each."""
    start = threading.Barrier(len(calls))
    results: list[Any] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            start.wait()
            results.append(call())
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_registrations_of_one_application_make_one_project_and_one_set_of_mails():
    # given
    application = application_in(supervisors=[SupervisorFactory()])
    actor = desk_actor()

    # when
    results = _race(
        lambda: project_register(application=application, actor=actor),
        lambda: project_register(application=application, actor=actor),
    )

    # then
    assert [type(result) for result in results] == [Project, Project]
    assert results[0].pk == results[1].pk
    assert Project.objects.count() == 1
    assert User.objects.filter(role__in=["contractor", "supervisor"]).count() == 3
    assert Membership.objects.count() == 3
    assert Delivery.objects.count() == 6
    application.refresh_from_db()
    assert application.status == "registered"


def test_two_applications_asking_for_the_same_id_at_once_get_unique_ids(monkeypatch):
    # given: both ask for "tanaka", share a supervisor, and draw the same suffixes in the same order
    supervisor = SupervisorFactory(email="kantoku@pref.niigata.lg.jp")
    first = application_in(users=[TANAKA], supervisors=[supervisor])
    second = application_in(users=[TANAKA], supervisors=[supervisor])
    actor = desk_actor()
    draws = threading.local()

    def same_suffixes_in_every_thread() -> str:
        if not hasattr(draws, "suffixes"):
            draws.suffixes = iter(["abc", "abd", "abe", "abf"])
        return next(draws.suffixes)

    monkeypatch.setattr(credentials, "account_id_suffix", same_suffixes_in_every_thread)

    # when
    results = _race(
        lambda: project_register(application=first, actor=actor),
        lambda: project_register(application=second, actor=actor),
    )

    # then: two projects, two distinct tanaka IDs, one account for the supervisor
    assert [type(result) for result in results] == [Project, Project]
    tanakas = sorted(User.objects.filter(role="contractor").values_list("username", flat=True))
    assert tanakas == ["tanaka.abc", "tanaka.abd"]
    supervisor_account = User.objects.get(supervisor=supervisor)
    assert Membership.objects.filter(user=supervisor_account).count() == 2
    assert sorted(Delivery.objects.values_list("kind", "to_address")) == sorted(
        [
            ("account_id_notice", TANAKA["email"]),
            ("account_id_notice", TANAKA["email"]),
            ("account_id_notice", "kantoku@pref.niigata.lg.jp"),
            ("account_password_notice", TANAKA["email"]),
            ("account_password_notice", TANAKA["email"]),
            ("account_password_notice", "kantoku@pref.niigata.lg.jp"),
        ]
    )
