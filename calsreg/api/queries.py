"""Reads the API needs that the domain selectors do not offer yet.

They belong in ``applications/selectors.py`` and ``directory/selectors.py``; they live here only until
those modules (kept by other work streams) grow them. Both are thin and keep O(1) queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from calsreg.applications.models import Application
from calsreg.applications.selectors import QueueFilters, application_detail, applications_for_queue
from calsreg.core.errors import FieldError, NotFound, ValidationFailed
from calsreg.directory.models import OrdererOffice, Supervisor
from calsreg.directory.selectors import offices_active


def application_detail_by_receipt_number(*, receipt_number: str) -> Application:
    """The application with every related row (``application_detail``); raises ``NotFound``."""
    pk = Application.objects.filter(receipt_number=receipt_number.strip().upper()).values_list(
        "pk", flat=True
    )
    found = pk.first()
    if found is None:
        raise NotFound(_("その受付番号の申込はありません。"))
    return application_detail(pk=found)


def offices_with_supervisors() -> QuerySet[OrdererOffice]:
    """Active offices, each with its active supervisors by code (two queries in all)."""
    return offices_active().prefetch_related(
        Prefetch("supervisors", queryset=Supervisor.objects.filter(active=True).order_by("code"))
    )


def office_id_by_code(*, code: str) -> int:
    """The id of the office with ``code`` (active or not, for the staff queue); raises ``ValidationFailed``."""
    found = OrdererOffice.objects.filter(code=code.strip()).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="office",
                    label=_("発注事務所"),
                    message=_("その事務所コードの発注事務所はありません。"),
                )
            ]
        )
    return found


def queue_page(*, filters: QueueFilters, page: int, page_size: int) -> dict[str, Any]:
    """One page of the desk's queue and the total count: two queries whatever the data."""
    queryset = applications_for_queue(filters=filters)
    start = (page - 1) * page_size
    return {
        "count": queryset.count(),
        "page": page,
        "page_size": page_size,
        "items": list(queryset[start : start + page_size]),
    }
