"""The supervisor's side of the confirmation, without a token of the API: the summary behind the link
and the answer. Exactly what the confirmation page shows — no applicant contact, users or billing."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from calsreg.api.schemas.application_in import StrictIn
from calsreg.api.schemas.desk_actions_in import ANSWER_HELP, AnswerValue
from calsreg.verification.services.answers import REASON_MAX_CHARS


class SupervisorAnswerIn(StrictIn):
    answer: AnswerValue = Field(description=ANSWER_HELP)  # type: ignore[valid-type]
    reason: str = Field(
        default="",
        max_length=REASON_MAX_CHARS,
        description="理由・コメント（否認の場合は必須。確認の場合は空でかまいません）",
    )


class ConfirmationSummaryOut(Schema):
    supervisor_name: str = Field(validation_alias="supervisor.name", description="宛先の監督員")
    receipt_number: str = Field(validation_alias="application.receipt_number", description="受付番号")
    office_name: str = Field(validation_alias="application.office.name", description="発注事務所")
    project_number: str = Field(validation_alias="application.project_number", description="工事番号")
    project_name: str = Field(validation_alias="application.project_name", description="工事名")
    project_location: str = Field(validation_alias="application.project_location", description="工事場所")
    period_start: date = Field(validation_alias="application.period_start", description="工期（開始日）")
    period_end: date = Field(validation_alias="application.period_end", description="工期（終了日）")
    contract_amount: int = Field(validation_alias="application.contract_amount", description="請負金額（円）")
    contractor_name: str = Field(validation_alias="application.contractor_name", description="受注者の会社名")
    contractor_representative: str = Field(
        validation_alias="application.contractor_representative", description="受注者の代表者"
    )
    applicant_name: str = Field(validation_alias="application.applicant_name", description="申込担当者")
    expires_at: datetime = Field(description="このリンクの有効期限（1回だけ回答できます）")


class ConfirmationAnsweredOut(Schema):
    receipt_number: str = Field(validation_alias="application.receipt_number", description="受付番号")
    answer: str = Field(description="記録した回答（confirmed / denied）")
    answer_label: str = Field(validation_alias="get_answer_display", description="記録した回答")
    answered_at: datetime = Field(description="回答日時")
