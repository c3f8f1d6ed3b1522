"""The projects' search text (core.text_search), for rows written without the model's save."""

from __future__ import annotations

from calsreg.accounts.models import Project
from calsreg.core.text_search import search_text_rebuild


def project_search_index_rebuild() -> int:
    """Bring every project's search text up to date (after a ``COPY`` or a raw load); returns how many
    rows changed. Writes through ``save`` and ``bulk_create`` keep it current without this."""
    return search_text_rebuild(Project.objects.all())
