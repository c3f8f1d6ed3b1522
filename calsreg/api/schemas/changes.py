"""Bodies and answers of the change-request endpoints (変更申込, seed step 7).

The body is the raw payload of ``changes.validation`` (the same validator as my page, the portal and
the Excel change form) plus the project's id. Answers carry the status and the items' names and
decisions, never the registered or new values: those are personal data, seen at the desk.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from calsreg.api.schemas.application_in import ApplicationUserIn, StrictIn
from calsreg.changes.catalog import ITEMS

FIELD_HELP = (
    "変更する項目。project_name, project_location, period_start, period_end, contract_amount, "
    "contractor_*, applicant_*, billing_*（申込と同じ項目名）、user.name / user.kana / user.email / "
    "user.phone（target に利用者ID）、user.add、user.replace / user.remove（target に利用者ID）、"
    "supervisor.add（value に名簿の監督員ID）、supervisor.remove（target に監督員ID）、"
    "end_of_use（value に最終利用日）、personal.disclosure / personal.deletion"
    "（target に applicant または利用者ID）。"
)


class ChangeItemIn(StrictIn):
    field: str = Field(max_length=40, description=FIELD_HELP)
    target: str = Field(default="", max_length=40, description="対象（利用者ID、監督員ID、applicant）")
    value: ApplicationUserIn | int | str | None = Field(  # type: ignore[valid-type]
        default=None,
        description="変更後の値。user.add / user.replace では追加する方（利用申込の利用者と同じ項目）。"
        "削除・開示・削除請求では省略します。",
    )


class ChangeIn(StrictIn):
    """変更申込。登録内容と同じ値・工事の利用者でない対象などは 422 で、何も保存しません。"""

    project_id: int = Field(description="工事のID（ヘルプデスク画面・工事の一覧で確認できます）")
    requester_name: str = Field(default="", max_length=60, description="申込者氏名（変更を申し出た方）")
    requester_phone: str = Field(
        default="",
        max_length=20,
        description="申込者の電話番号（記録のみ。本人確認の電話は登録済みの番号へかけます）",
    )
    requester_email: str = Field(default="", max_length=254, description="申込者のメールアドレス（記録のみ）")
    reason: str = Field(default="", max_length=1000, description="変更の理由")
    items: list[ChangeItemIn] = Field(default_factory=list, description="変更する項目（1つ以上）")


class ChangeItemOut(Schema):
    position: int = Field(description="項目の番号（1から）")
    kind: str = Field(description="変更の種類（コード）")
    kind_label: str = Field(validation_alias="get_kind_display", description="変更の種類")
    field: str = Field(description="項目（コード）")
    label: str = Field(description="項目")
    target: str = Field(description="対象（利用者ID、監督員ID、applicant）")
    decision: str = Field(description="本人確認（pending / confirmed / declined）")
    decision_label: str = Field(validation_alias="get_decision_display", description="本人確認")
    applied: bool = Field(description="登録に反映済みか")

    @staticmethod
    def resolve_label(item) -> str:
        spec = ITEMS.get(item.field)
        return str(spec.label) if spec else item.field

    @staticmethod
    def resolve_applied(item) -> bool:
        return item.applied_at is not None


class ChangeStatusOut(Schema):
    number: str = Field(description="変更受付番号（例: H2026-00001）")
    status: str = Field(description="状態（submitted / verified / applied / rejected）")
    status_label: str = Field(validation_alias="get_status_display", description="状態")
    channel: str = Field(description="受付経路（my_page / portal / workbook / api）")
    channel_label: str = Field(validation_alias="get_channel_display", description="受付経路")
    project_id: int = Field(description="工事のID")
    project_number: str = Field(description="工事番号")
    submitted_at: datetime = Field(description="受付日時（UTC）")
    verified_at: datetime | None = Field(description="本人確認日時（UTC）")
    applied_at: datetime | None = Field(description="反映日時（UTC）")
    rejected_at: datetime | None = Field(description="不承認日時（UTC）")
    notices: list[str] = Field(description="入力の自動補正（全角→半角など）")
    items: list[ChangeItemOut] = Field(description="変更する項目（値は含みません）")

    @staticmethod
    def resolve_project_number(change) -> str:
        return change.project.project_number

    @staticmethod
    def resolve_items(change) -> list:
        return list(change.items.all())
