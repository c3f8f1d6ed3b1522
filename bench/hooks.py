"""Rebuilding derived data after the bench wrote rows behind the services' back.

The bench writes applications, projects and invoices with ``COPY``/``bulk_create``, not through the
services, so what the services keep beside them — the folded search text, the per-state counters,
the stored step durations and the paid amount stored on each invoice — has to be rebuilt by the
owning apps' own rebuild services after every population, before ``VACUUM ANALYZE``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

# (module, function): each called with no arguments, in this order. A missing one is an error: a
# bench on stale derived data would measure pages that show nothing.
REFRESH_HOOKS: tuple[tuple[str, str], ...] = (
    ("calsreg.applications.services.search_index", "search_index_rebuild"),
    ("calsreg.applications.services.status_counts", "status_counts_rebuild"),
    ("calsreg.desk.dashboard.rebuild", "lead_times_rebuild"),
    ("calsreg.billing.services.payments", "invoice_paid_amounts_rebuild"),
    ("calsreg.billing.services.payments", "invoice_payer_keys_rebuild"),
)


def refresh_hooks() -> list[tuple[str, Callable[[], object]]]:
    """The rebuild services, as ``(dotted name, function)``."""
    return [
        (f"{module_name}.{name}", getattr(importlib.import_module(module_name), name))
        for module_name, name in REFRESH_HOOKS
    ]


def refresh_derived() -> list[str]:
    """Call every rebuild service; return the names called."""
    called = []
    for name, function in refresh_hooks():
        function()
        called.append(name)
    return called
