"""Registrations racing on PostgreSQL: one project per application, unique IDs, one set of mails."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from calsreg.accounts import credentials
from calsreg.accounts.models import Membership, Project, User
from calsreg.accounts.services import project_register
from calsreg.accounts.services.issuing import supervisor_account
from calsreg.core import clock
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


def _distinct_suffixes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Suffixes drawn in sequence across threads: no two registrations draw the same one."""
    drawn = map("".join, itertools.product("pqr", repeat=3))  # C iterators: safe across threads
    monkeypatch.setattr(credentials, "account_id_suffix", lambda: next(drawn))


def _held_open(
    call: Callable[[], Any], *, release: threading.Event
) -> tuple[threading.Thread, threading.Event]:
    """Run ``call`` in a thread inside a transaction it keeps open until ``release`` is set."""
    inside = threading.Event()

    def run() -> None:
        try:
            with transaction.atomic():
                call()
                inside.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert inside.wait(timeout=30)
    return thread, release


def test_a_registration_of_an_office_completes_while_another_of_that_office_is_still_open(monkeypatch):
    # given: two applications of one office, sharing its chief supervisor (an account already) and
    # each with a supervisor of its own, both asking for the same contractor IDs
    chief = SupervisorFactory()
    supervisor_account(supervisor=chief, now=clock.now())
    first = application_in(supervisors=[chief, SupervisorFactory(office=chief.office)])
    second = application_in(supervisors=[chief, SupervisorFactory(office=chief.office)])
    actor = desk_actor()
    _distinct_suffixes(monkeypatch)
    holder, release = _held_open(
        lambda: project_register(application=first, actor=actor), release=threading.Event()
    )

    # when: the second registers while the first's transaction is still open
    done: list[Any] = []

    def register_second() -> None:
        try:
            done.append(project_register(application=second, actor=actor))
        finally:
            connection.close()

    started = time.monotonic()
    other = threading.Thread(target=register_second)
    other.start()
    other.join(timeout=10)
    finished_while_open = not other.is_alive() and holder.is_alive()
    waited = time.monotonic() - started
    release.set()
    holder.join(timeout=30)
    other.join(timeout=30)

    # then: it did not wait for the first, and both are committed with unique IDs
    assert finished_while_open, f"the second registration waited {waited:.1f} s for the first"
    assert [type(result) for result in done] == [Project]
    assert sorted(Project.objects.values_list("application_id", flat=True)) == sorted([first.pk, second.pk])
    assert set(Project.objects.values_list("office_id", flat=True)) == {chief.office_id}
    contractors = list(User.objects.filter(role="contractor").values_list("username", flat=True))
    assert len(contractors) == len(set(contractors)) == 4
    assert sorted(name.split(".")[0] for name in contractors) == ["suzuki2", "suzuki2", "tanaka", "tanaka"]
    assert all(credentials.ACCOUNT_ID_RE.match(name) for name in contractors)
    assert User.objects.filter(role="supervisor").count() == 3
    assert Membership.objects.count() == 8
    assert Delivery.objects.count() == 12  # two mails for each of 4 contractors and 2 new supervisors


def test_registrations_of_one_office_racing_for_the_same_ids_get_distinct_suffixes(monkeypatch):
    # given: two applications of one office with different supervisors, both asking for tanaka and
    # suzuki2, and each thread drawing the same suffixes in the same order
    own = SupervisorFactory()
    first = application_in(supervisors=[own])
    second = application_in(supervisors=[SupervisorFactory(office=own.office)])
    actor = desk_actor()
    draws = threading.local()

    def same_suffixes_in_every_thread() -> str:
        if not hasattr(draws, "suffixes"):
            draws.suffixes = iter(["abc", "abd", "abe", "abf", "abg", "abh"])
        return next(draws.suffixes)

    monkeypatch.setattr(credentials, "account_id_suffix", same_suffixes_in_every_thread)

    # when
    results = _race(
        lambda: project_register(application=first, actor=actor),
        lambda: project_register(application=second, actor=actor),
    )

    # then: no error, two projects, four distinct contractor IDs in the seed's shape
    assert [type(result) for result in results] == [Project, Project]
    contractors = sorted(User.objects.filter(role="contractor").values_list("username", flat=True))
    assert len(set(contractors)) == 4
    assert next(name for name in contractors if name.startswith("tanaka.")) == "tanaka.abc"
    assert all(re.fullmatch(r"(tanaka|suzuki2)\.ab[c-h]", name) for name in contractors)
    assert Project.objects.filter(office=own.office).count() == 2
    assert Delivery.objects.count() == 12
