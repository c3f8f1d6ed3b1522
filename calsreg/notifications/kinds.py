"""The kinds of notice the system sends, with the names the desk shows for them.

A kind is also the name of its template pair (``notifications/mail/<lang>/<kind>.txt``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KIND_LABELS = {
    "application_received": _("受付確認メール"),
}


def kind_label(kind: str) -> str:
    """The kind's display name; an unknown kind shows as itself rather than failing."""
    return str(KIND_LABELS.get(kind, kind))
