"""What the staff endpoints answer. The detail's content fields are generated from the schema."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import translation
from ninja import Schema
from pydantic import Field, create_model

from calsreg.api.paging import PageOut
from calsreg.api.schemas.application_in import spec_description
from calsreg.applications.schema import FIELDS, USER_FIELDS, FieldSpec, Kind


class OfficeRefOut(Schema):
    code: str = Field(description="事務所コード")
    name: str = Field(description="事務所名")


class QueueItemOut(Schema):
    receipt_number: str = Field(description="受付番号")
    status: str = Field(description="状態（コード）")
    status_label: str = Field(validation_alias="get_status_display", description="状態")
    channel: str = Field(description="受付経路（コード）")
    channel_label: str = Field(validation_alias="get_channel_display", description="受付経路")
    submitted_at: datetime = Field(description="受付日時")
    office: OfficeRefOut = Field(description="発注事務所")
    project_number: str = Field(description="工事番号")
    project_name: str = Field(description="工事名")
    contractor_name: str = Field(description="会社名")
    duplicate_of: str | None = Field(
        default=None, validation_alias="duplicate_of.receipt_number", description="重複の疑い（受付番号）"
    )


class QueuePageOut(PageOut):
    count: int = Field(description="条件に合う申込の総数")
    items: list[QueueItemOut]


class SupervisorRefOut(Schema):
    id: int = Field(description="監督員ID（名簿）")
    name: str = Field(description="氏名")
    title: str = Field(description="役職（コード）")
    title_label: str = Field(validation_alias="get_title_display", description="役職")


class StatedSupervisorOut(Schema):
    name: str = Field(description="申込書記載の監督員氏名")
    title: str = Field(description="申込書記載の役職")


# The detail's content types follow the field kinds: what the validator stored, not the raw text.
_TYPE_BY_KIND: dict[Kind, Any] = {Kind.DATE: date, Kind.AMOUNT: int, Kind.OFFICE: OfficeRefOut}


def _out_field(spec: FieldSpec) -> tuple[Any, Any]:
    return (_TYPE_BY_KIND.get(spec.kind, str), Field(description=spec_description(spec)))


with translation.override("ja"):
    ApplicationUserOut = create_model(  # type: ignore[call-overload]
        "ApplicationUserOut",
        __base__=Schema,
        position=(int, Field(description="行番号")),
        role_label=(str, Field(validation_alias="get_role_display", description="役割")),
        **{spec.key: _out_field(spec) for spec in USER_FIELDS},
    )

    class _DetailBase(QueueItemOut):
        form_version: str = Field(description="様式バージョン")
        terms_version: str = Field(description="同意した利用規約の版")
        terms_accepted_at: datetime = Field(description="利用規約への同意日時")
        users: list[ApplicationUserOut] = Field(description="利用者")  # type: ignore[valid-type]
        supervisors: list[SupervisorRefOut] = Field(description="監督員（名簿）")
        stated_supervisors: list[StatedSupervisorOut] = Field(
            description="申込書記載の監督員（連絡先には使いません）"
        )
        notices: list[str] = Field(description="入力の自動補正")

    ApplicationDetailOut = create_model(  # type: ignore[call-overload]
        "ApplicationDetailOut",
        __base__=_DetailBase,
        **{spec.key: _out_field(spec) for spec in FIELDS},
    )
