"""What the public endpoints answer: receipts, status, and the offices an application can name."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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
    state: Literal["done", "current", "todo"] = Field(
        description="done: 済み、current: 今この段階、todo: これから"
    )


class StatusOut(Schema):
    receipt_number: str = Field(description="受付番号")
    status: str = Field(description="状態（コード）")
    status_label: str = Field(validation_alias="get_status_display", description="状態")
    submitted_at: datetime = Field(description="受付日時（UTC）")
    steps: list[StepOut] = Field(
        description="手続の流れ。差戻し・却下・取下げのときは空です（status_label で状態を示します）。"
    )

    @staticmethod
    def resolve_steps(application) -> list[dict[str, str]]:
        # The same steps as the portal's status page: the main path only, side states shown by label.
        codes = [code for code, _label in APPLICANT_STEPS]
        if application.status not in codes:
            return []
        current = codes.index(application.status)
        return [
            {
                "status": code,
                "label": label,
                "state": "done" if index < current else "current" if index == current else "todo",
            }
            for index, (code, label) in enumerate(APPLICANT_STEPS)
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
