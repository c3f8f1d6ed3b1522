"""Change requests (変更申込, seed step 7) for automation, with a help-desk token.

The existing API authenticates staff only, so a change is filed by the help desk (or a system it
runs) on behalf of a project named by id: channel ``api``, actor ``api:<staff user>``. Like every other
channel the request is only filed: nothing changes until the desk has called back a number on file
and recorded what the caller confirmed (seed step 8). The answers carry no registered or new values.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from ninja import Router, Status

from calsreg.api.auth import DeskStaffToken
from calsreg.api.schemas.changes import ChangeIn, ChangeStatusOut
from calsreg.api.schemas.errors import ErrorOut
from calsreg.changes.models import ChangeChannel
from calsreg.changes.selectors import change_request_by_number, project_for_change
from calsreg.changes.services import change_request_submit
from calsreg.records.services import Actor

router = Router(tags=["変更申込（ヘルプデスク）"], auth=DeskStaffToken())

_REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@router.post(
    "",
    response={201: ChangeStatusOut, 400: ErrorOut, 422: ErrorOut, **_REFUSALS},
    operation_id="change_request_create",
    summary="変更申込を受け付ける（工事を指定。本人確認前）",
)
def change_request_create(request: HttpRequest, payload: ChangeIn):
    """マイページ・ポータル・Excel変更申込書と同じ検査をし、誤りは項目ごとに 422 で返します（何も保存しません）。
    利用を終了した工事は 400。受付確認のメールは登録済みのアドレス（申込担当者）へ送ります。"""
    project = project_for_change(project_id=payload.project_id)
    change = change_request_submit(
        project=project,
        raw=payload.model_dump(exclude={"project_id"}),
        channel=ChangeChannel.API,
        actor=Actor.api(request.auth),  # type: ignore[attr-defined]
        language=_language(),
    )
    return Status(201, change_request_by_number(number=change.number))


@router.get(
    "/{number}",
    response={200: ChangeStatusOut, **_REFUSALS},
    operation_id="change_request_status",
    summary="変更申込の状況",
)
def change_request_status(request: HttpRequest, number: str):
    """状態と、項目ごとの本人確認・反映の状況です。値（個人情報）は含みません。"""
    return change_request_by_number(number=number)
