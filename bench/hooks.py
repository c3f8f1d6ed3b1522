"""Rebuilding derived data after the bench wrote rows behind the services' back.

The bench writes applications with ``COPY``/``bulk_create``, not through the services, so anything
the services keep beside the applications (a normalised search index, per-status counts, stored
per-step durations, the paid amount stored on each invoice) would be missing. If the owning app
offers a function to rebuild such data, it is called here after every population; names that do not exist are skipped, so the bench
works before and after those changes land.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

# (module, function): each called with no arguments, in this order, if it exists.
REFRESH_HOOKS: tuple[tuple[str, str], ...] = (
    ("calsreg.applications.services", "search_index_rebuild"),
    ("calsreg.applications.services", "status_counts_rebuild"),
    ("calsreg.applications.services", "lead_times_rebuild"),
    ("calsreg.billing.services.payments", "invoice_paid_amounts_rebuild"),
)


def refresh_hooks() -> list[tuple[str, Callable[[], object]]]:
    """The hooks present in this checkout, as ``(dotted name, function)``."""
    found = []
    for module_name, name in REFRESH_HOOKS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        function = getattr(module, name, None)
        if callable(function):
            found.append((f"{module_name}.{name}", function))
    return found


def refresh_derived() -> list[str]:
    """Call every hook present; return the names called."""
    called = []
    for name, function in refresh_hooks():
        function()
        called.append(name)
    return called
