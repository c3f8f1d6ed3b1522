"""One owner per write: every test fails if a domain app wrote a row of another app's model.

The project's rule is that an app changes only its own models and others call its services (which
keep its rules and write its audit row). Import contracts cannot see this — ``changes`` may import
``accounts.models`` to read a project — so the rule is checked where it matters, at the write.

While each test runs, every write of a ``calsreg`` model is attributed to the **innermost project
module on the call stack**:

- a ``tests.*`` frame first → the test itself wrote it (factories, arranging a state): allowed;
- a ``calsreg.<app>.*`` frame first → ``<app>`` wrote it, and ``<app>`` must be the model's own app;
- ``calsreg.core.*`` (shared helpers such as the yearly counters) and ``calsreg.<app>.models``
  (a model's own methods) are looked through to their caller;
- a ``django.contrib.*`` frame first → Django's own frameworks wrote it on the project's behalf (the
  last-login stamp at sign-in, a password hash upgrade, the admin's save): not checked here;
- ``calsreg.demo`` (the demo data wires everything) is exempt.

Writes seen: ``Model.save`` (``pre_save``: create, update, ``get_or_create``…), ``Model.delete``
and the queryset writes that send no signal — ``QuerySet.update`` (and so ``bulk_update``),
``bulk_create`` and ``delete``. Not seen: raw SQL (nothing in the project writes that way) and the
rows a delete cascades to (the ``on_delete`` the owning model declares; Django's fast delete is
left as it is). Models of Django and of third-party apps (sessions, the lockout counters, the task
queue, the admin log) are not checked: they have no owner among the project's apps.

A runtime check rather than a static one: which model an ``obj.save()`` saves is only known when it
runs, and the suite drives every service through its real interfaces, so a cross-app write on any
tested path fails the test that took it, naming the writer module, the model and the operation.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

import pytest
from django.db import models
from django.db.models.signals import pre_save

EXEMPT_WRITERS = frozenset({"demo"})
LOOKED_THROUGH_APPS = frozenset({"core"})


@dataclass(frozen=True)
class Violation:
    writer: str  # the module that wrote
    model: str  # app_label.ModelName
    operation: str

    def __str__(self) -> str:
        return f"{self.writer} → {self.operation} {self.model}"


def owner_app(model: type[models.Model]) -> str | None:
    """The project app that owns ``model`` (None for Django's and third-party models)."""
    parts = model.__module__.split(".")
    return parts[1] if parts[0] == "calsreg" and len(parts) > 1 else None


def writer_module(frame: FrameType | None) -> str | None:
    """The innermost project module on the stack from ``frame`` out (None: a test, Django's own
    frameworks, or nobody)."""
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name == "tests" or name.startswith(("tests.", "django.contrib.")):
            return None
        parts = name.split(".")
        if parts[0] == "calsreg" and len(parts) > 1:
            looked_through = parts[1] in LOOKED_THROUGH_APPS or (len(parts) > 2 and parts[2] == "models")
            if not looked_through:
                return name
        frame = frame.f_back
    return None


class OwnershipWatcher:
    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self._lock = threading.Lock()

    def check(self, model: type[models.Model], operation: str) -> None:
        owner = owner_app(model)
        if owner is None:
            return
        writer = writer_module(sys._getframe(2))
        if writer is None:
            return
        app = writer.split(".")[1]
        if app == owner or app in EXEMPT_WRITERS:
            return
        with self._lock:
            self.violations.append(Violation(writer=writer, model=model._meta.label, operation=operation))

    def on_save(self, sender: type[models.Model], raw: bool = False, **kwargs: Any) -> None:
        if not raw:
            self.check(sender, "save")


def _watched(watcher: OwnershipWatcher, operation: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """``original`` (a QuerySet or Model method) reporting its model to ``watcher`` first."""

    @functools.wraps(original)  # keeps ``alters_data``, which templates rely on
    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        watcher.check(self.model if isinstance(self, models.QuerySet) else type(self), operation)
        return original(self, *args, **kwargs)

    return write


@pytest.fixture
def ownership_watcher(monkeypatch: pytest.MonkeyPatch) -> Iterator[OwnershipWatcher]:
    """Watches the test's writes; yields the watcher (its ``violations`` so far)."""
    watcher = OwnershipWatcher()
    uid = f"ownership-watcher-{id(watcher)}"
    pre_save.connect(watcher.on_save, dispatch_uid=uid, weak=False)
    for operation in ("update", "bulk_create", "delete"):
        original = getattr(models.QuerySet, operation)
        monkeypatch.setattr(models.QuerySet, operation, _watched(watcher, operation, original))
    monkeypatch.setattr(models.Model, "delete", _watched(watcher, "delete", models.Model.delete))
    try:
        yield watcher
    finally:
        pre_save.disconnect(dispatch_uid=uid)


@pytest.fixture(autouse=True)
def _one_owner_per_write(request: pytest.FixtureRequest) -> Iterator[None]:
    watcher: OwnershipWatcher = request.getfixturevalue("ownership_watcher")
    yield
    if watcher.violations:
        found = sorted({str(violation) for violation in watcher.violations})
        pytest.fail(
            "A domain app wrote another app's rows (call the owning app's service instead):\n  "
            + "\n  ".join(found),
            pytrace=False,
        )
