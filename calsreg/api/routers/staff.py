"""Staff endpoints (help desk / administrator token): the application queue and one application."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from calsreg.api.auth import DeskStaffToken
from calsreg.api.schemas.errors import ErrorOut
from calsreg.api.schemas.staff_in import QueueQueryIn
from calsreg.api.schemas.staff_out import ApplicationDetailOut, QueuePageOut
from calsreg.applications.selectors import QueueFilters, application_by_receipt_number, applications_for_queue
from calsreg.applications.services import application_viewed
from calsreg.directory.selectors import office_id_by_code
from calsreg.records.services import Actor

router = Router(tags=["申込（ヘルプデスク）"], auth=DeskStaffToken())

_REFUSALS = {401: ErrorOut, 403: ErrorOut}


@router.get(
    "/applications",
    response={200: QueuePageOut, 422: ErrorOut, **_REFUSALS},
    operation_id="applications_list",
    summary="申込の一覧（受付キュー）",
)
def applications_list(request: HttpRequest, query: Query[QueueQueryIn]):
    """デスクの受付キューと同じ絞り込み・並び順です。page_size 件ずつ（省略時50件）、総数付きで返します。"""
    filters = QueueFilters(
        status=query.status.value if query.status else "",
        office_id=office_id_by_code(code=query.office) if query.office else None,
        received_from=query.received_from,
        received_to=query.received_to,
        text=query.q,
        duplicates_only=query.duplicates_only,
        sort=query.sort.value,
    )
    return query.page_of(applications_for_queue(filters=filters))


@router.get(
    "/applications/{receipt_number}",
    response={200: ApplicationDetailOut, 404: ErrorOut, **_REFUSALS},
    operation_id="application_get",
    summary="申込の詳細（個人情報を含む・閲覧を記録）",
)
def application_get(request: HttpRequest, receipt_number: str):
    """全項目・利用者・監督員を返します。閲覧は監査記録に残ります。"""
    application = application_by_receipt_number(receipt_number=receipt_number)
    application_viewed(application=application, actor=Actor.api(request.auth))  # type: ignore[attr-defined]
    return application
