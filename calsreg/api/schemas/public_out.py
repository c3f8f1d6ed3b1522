"""What the public endpoints answer: receipts, status, and the offices an application can name."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from calsreg.applications.states import APPLICANT_STEPS


class SubmittedOut(Schema):
    receipt_number: str = Field(description="受付番号")
    status: str = Field(description="状態（コード）")
    status_label: str = Field(validation_alias="get_status_display", description="状態")
    notices: list[str] = Field(description="入力の自動補正（全角→半角など）")


class StepOut(Schema):
    status: str = Field(description="手続の段階（コード）")
    label: str = Field(description="手続の段階")
    done: bool = Field(description="この段階を終えた（または今この段階にある）")
    current: bool = Field(description="今この段階にある")


class StatusOut(Schema):
    receipt_number: str = Field(description="受付番号")
    status: str = Field(description="状態（コード）")
    status_label: str = Field(validation_alias="get_status_display", description="状態")
    submitted_at: datetime = Field(description="受付日時")
    steps: list[StepOut] = Field(
        description="手続の流れ（差戻し・却下・取下げのときは、どの段階も current になりません）"
    )

    @staticmethod
    def resolve_steps(application) -> list[dict]:
        codes = [code for code, _label in APPLICANT_STEPS]
        reached = codes.index(application.status) if application.status in codes else 0
        current = application.status in codes
        return [
            {"status": code, "label": label, "done": i <= reached, "current": current and i == reached}
            for i, (code, label) in enumerate(APPLICANT_STEPS)
        ]


class SupervisorChoiceOut(Schema):
    id: int = Field(description="監督員ID（申込の supervisor_ids に指定します）")
    name: str = Field(description="氏名")
    title: str = Field(description="役職（コード）")
    title_label: str = Field(validation_alias="get_title_display", description="役職")


class OfficeOut(Schema):
    code: str = Field(description="事務所コード（申込の office に指定します）")
    name: str = Field(description="事務所名")
    supervisors: list[SupervisorChoiceOut] = Field(description="名簿の監督員（有効な人のみ）")
