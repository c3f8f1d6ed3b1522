"""Public endpoints: submit an application (JSON or workbook), look up its status, list offices.

Each handler parses its input, calls the shared validator and one service or selector, and returns the
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
from calsreg.applications.excel.guards import size_text
from calsreg.applications.excel.reader import workbook_read
from calsreg.applications.models import Application, Channel
from calsreg.applications.selectors import application_for_status
from calsreg.applications.services import ReceivedFile, application_submit, submission_as_evidence
from calsreg.applications.validation import validate_application
from calsreg.core.errors import NotFound, UploadRefused
from calsreg.core.ratelimit import Scope
from calsreg.directory.selectors import offices_with_supervisors
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor

router = Router(tags=["申込（公開）"])

WORKBOOK_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _submit(raw: dict, *, original: ReceivedFile, require_directory_supervisors: bool) -> Application:
    data = validate_application(raw, require_directory_supervisors=require_directory_supervisors)
    return application_submit(
        data=data,
        channel=Channel.API,
        actor=Actor.applicant(data.values["applicant_email"]),
        originals=[original],
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


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
    received = json.loads(request.body)
    application = _submit(
        payload.model_dump(),  # type: ignore[attr-defined]
        original=submission_as_evidence(raw=received, channel=Channel.API),
        require_directory_supervisors=True,
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
    if file.size is None or file.size > settings.UPLOAD_MAX_BYTES:
        # Refused before reading it into memory; the reader's own wording (same message id).
        raise UploadRefused(
            _(
                "「%(filename)s」は大きすぎます（%(size)s。上限は%(limit)sです）。画像などを貼り付けず、"
                "ダウンロードした申込書に記入して送ってください。"
            )
            % {
                "filename": filename,
                "size": size_text(file.size or 0),
                "limit": size_text(settings.UPLOAD_MAX_BYTES),
            }
        )
    content = file.read()
    raw = workbook_read(content=content, filename=filename)
    original = ReceivedFile(
        content=content,
        filename=filename,
        content_type=file.content_type or WORKBOOK_CONTENT_TYPE,
        kind=EvidenceKind.APPLICATION_WORKBOOK,
    )
    application = _submit(raw, original=original, require_directory_supervisors=False)
    return Status(201, application)


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
