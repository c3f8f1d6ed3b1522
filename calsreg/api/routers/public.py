"""Public endpoints: submit an application (JSON or workbook), look up its status, list offices.

Each handler parses its input, calls one service (which validates) or selector, and returns the
result; refusals are ``DomainError``s turned into JSON by ``calsreg.api.errors``.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import File, Router, Status
from ninja.files import UploadedFile

from calsreg.api.schemas.application_in import ApplicationIn, StatusQueryIn
from calsreg.api.schemas.errors import ErrorOut
from calsreg.api.schemas.public_out import OfficeOut, StatusOut, SubmittedOut
from calsreg.api.throttle import PublicPostThrottle
from calsreg.applications.models import Channel
from calsreg.applications.selectors import application_for_status
from calsreg.applications.services import application_submit_payload, application_submit_workbook
from calsreg.core.errors import NotFound
from calsreg.core.ratelimit import Scope
from calsreg.core.uploads import workbook_size_refuse
from calsreg.directory.selectors import offices_with_supervisors

router = Router(tags=["申込（公開）"])


@router.get(
    "/offices",
    response=list[OfficeOut],
    operation_id="offices_list",
    summary="発注事務所と名簿の監督員の一覧",
)
def offices_list(request: HttpRequest):
    """申込の office（事務所コード）と supervisor_ids（監督員ID）に指定できる値です。"""
    return offices_with_supervisors()


@router.post(
    "/applications",
    response={201: SubmittedOut, 422: ErrorOut},
    operation_id="application_create",
    throttle=PublicPostThrottle(Scope.APPLY),
    summary="利用申込（JSON）",
)
def application_create(request: HttpRequest, payload: ApplicationIn):  # type: ignore[valid-type]
    """Webフォームと同じ検査をし、誤りがあれば項目ごとに日本語で返します（何も保存しません）。"""
    application = application_submit_payload(
        raw=payload.model_dump(),  # type: ignore[attr-defined]
        received=json.loads(request.body),
        channel=Channel.API,
        language=_language(),
    )
    return Status(201, application)


@router.post(
    "/applications/workbook",
    response={201: SubmittedOut, 422: ErrorOut},
    operation_id="application_create_from_workbook",
    throttle=PublicPostThrottle(Scope.APPLY),
    summary="利用申込（Excel申込書のアップロード）",
)
def application_create_from_workbook(request: HttpRequest, file: File[UploadedFile]):
    """記入済みの申込書（.xlsx）を multipart/form-data の file で送ります。監督員はヘルプデスクが名簿と照合します。"""
    filename = file.name or "application.xlsx"
    workbook_size_refuse(size=file.size, filename=filename)  # before reading it into memory
    application = application_submit_workbook(
        content=file.read(), filename=filename, channel=Channel.API, language=_language()
    )
    return Status(201, application)


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


@router.post(
    "/applications/status",
    response={200: StatusOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="application_status",
    throttle=PublicPostThrottle(Scope.STATUS),
    summary="申込状況の照会",
)
def application_status(request: HttpRequest, payload: StatusQueryIn):
    """受付番号と申込時のメールアドレスの両方が一致したときだけ答えます。"""
    application = application_for_status(receipt_number=payload.receipt_number, email=payload.email)
    if application is None:
        # One answer for "no such number" and "wrong address": nothing to learn by probing.
        raise NotFound(_("受付番号とメールアドレスの組み合わせに一致する申込がありません。"))
    return application
