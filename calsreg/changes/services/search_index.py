"""The change requests' search text (core.text_search), for rows written without the model's save."""

from __future__ import annotations

from calsreg.changes.models import ChangeRequest
from calsreg.core.text_search import search_text_rebuild


def change_search_index_rebuild() -> int:
    """Bring every change request's search text up to date (after a ``COPY`` or a raw load); returns
    how many rows changed. Writes through ``save`` and ``bulk_create`` keep it current without this."""
    return search_text_rebuild(ChangeRequest.objects.all())
