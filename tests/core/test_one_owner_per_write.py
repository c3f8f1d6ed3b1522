"""The guard of tests/plugins/ownership.py: a write of one app's rows from another app's module is
caught (save, queryset update, bulk create, delete); the owner's own writes, the tests' and the
demo's are not. Code "from" a module is run with that module's name, as the guard sees it."""

from __future__ import annotations

from typing import Any

import pytest

from calsreg.directory.models import Supervisor
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db

WRITES = """
def write(supervisor, Supervisor):
    supervisor.phone = "025-000-0000"
    supervisor.save(update_fields=["phone"])
    Supervisor.objects.filter(pk=supervisor.pk).update(phone="025-111-1111")
    Supervisor.objects.bulk_create([Supervisor(office=supervisor.office, code="X1", name="x", email="x@example.jp")])
    Supervisor.objects.filter(code="X1").delete()
"""


def _run_as(module: str, supervisor: Supervisor) -> None:
    namespace: dict[str, Any] = {"__name__": module}
    exec(compile(WRITES, f"<{module}>", "exec"), namespace)  # noqa: S102 — fixed test code
    namespace["write"](supervisor, Supervisor)


def test_another_apps_writes_are_each_caught_with_the_writer_and_the_model(ownership_watcher):
    supervisor = SupervisorFactory()

    _run_as("calsreg.changes.services.sneaky", supervisor)

    found = {(v.writer, v.model, v.operation) for v in ownership_watcher.violations}
    ownership_watcher.violations.clear()  # caught on purpose: this test must not fail at teardown
    assert found == {
        ("calsreg.changes.services.sneaky", "directory.Supervisor", operation)
        for operation in ("save", "update", "bulk_create", "delete")
    }


@pytest.mark.parametrize(
    "module", ["calsreg.directory.services.own", "calsreg.demo.wiring", "tests.somewhere"]
)
def test_the_owner_the_demo_and_the_tests_may_write(ownership_watcher, module):
    supervisor = SupervisorFactory()

    _run_as(module, supervisor)

    assert ownership_watcher.violations == []


def test_shared_core_helpers_are_looked_through_to_their_caller(ownership_watcher):
    supervisor = SupervisorFactory()
    namespace: dict[str, Any] = {"__name__": "calsreg.core.helper"}
    exec(  # noqa: S102 — fixed test code
        "def touch(s):\n    s.save(update_fields=['phone'])\n", namespace
    )
    caller: dict[str, Any] = {"__name__": "calsreg.billing.services.x", "touch": namespace["touch"]}
    exec("def run(s):\n    touch(s)\n", caller)  # noqa: S102 — fixed test code

    caller["run"](supervisor)

    found = [(v.writer, v.model) for v in ownership_watcher.violations]
    ownership_watcher.violations.clear()
    assert found == [("calsreg.billing.services.x", "directory.Supervisor")]
