"""Bodies and answers of the help desk's change-request endpoints (seed steps 8–9).

No body has a field for a phone number: the call-back names the person called — a person concerned
by the request (``people_concerned`` of the detail) — by their key, and the service records that
person's registered number. Neither whom nor the outcome has a default.
Unknown keys are refused (``StrictIn``), so a crafted ``phone_number`` is a 422 and nothing is
recorded.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from ninja import Schema
from pydantic import Field

from calsreg.api.paging import PagedQueryIn, PageOut
from calsreg.api.schemas.application_in import StrictIn
from calsreg.changes.models import ChangeStatus
from calsreg.verification.models import CallOutcome

TEXT_MAX_CHARS = 2000

ChangeStatusFilter = Enum(  # type: ignore[misc]
    "ChangeStatusFilter", {value: value for value in ChangeStatus.values}, type=str
)
CallBackOutcome = Enum("CallBackOutcome", {value: value for value in CallOutcome.values}, type=str)  # type: ignore[misc]

OUTCOME_HELP = (
    "confirmed: 本人が確認した（decisions がその本人の未確認の項目すべてに必要）／ denied: 本人が否認した（不承認・なりすましの疑い）／ "
    "no_answer: 不在・応答なし／ wrong_person: 別人。no_answer と wrong_person では受付済みのままです。"
)


# --- input ------------------------------------------------------------------------------------------


class ChangeListQueryIn(PagedQueryIn):
    status: ChangeStatusFilter | None = Field(default=None, description="状態で絞り込み")  # type: ignore[valid-type]
    mine: bool = Field(default=False, description="自分（トークンの利用者）が担当の申込だけ")
    q: str = Field(default="", max_length=100, description="変更受付番号・工事番号・工事名・申込者氏名の一部")


class ItemDecisionIn(StrictIn):
    position: int = Field(ge=1, description="変更項目の行番号（GET …/changes/{number} の items[].position）")
    confirmed: bool = Field(description="true: 本人が確認した／ false: 確認できなかった・取りやめ")


class CallBackIn(StrictIn):
    """電話番号は指定できません。電話した本人を key で選び、その本人の登録済みの番号を記録します。"""

    contact: str = Field(
        max_length=40,
        description=(
            "電話した本人（変更される情報の本人の key: applicant または利用者ID。GET …/changes/{number} の "
            "people_concerned）。申込者や他の利用者は、その人の項目がなければ指定できません"
        ),
    )
    outcome: CallBackOutcome = Field(description=f"通話の結果。{OUTCOME_HELP}")  # type: ignore[valid-type]
    decisions: list[ItemDecisionIn] = Field(
        default_factory=list,
        max_length=50,
        description=(
            "項目ごとの確認（outcome が confirmed のとき、電話した本人の未確認の項目すべて。"
            "ほかの人の項目は指定できません）"
        ),
    )
    note: str = Field(default="", max_length=TEXT_MAX_CHARS, description="メモ")
    called_at: datetime | None = Field(
        default=None, description="通話日時（ISO 8601。省略時は現在、タイムゾーンがなければ日本時間）"
    )


class ChangeApplyIn(StrictIn):
    """本文は {}。反映するのは本人確認で確認できた項目だけで、選ぶことはできません。"""


class ChangeRejectIn(StrictIn):
    reason: str = Field(
        max_length=TEXT_MAX_CHARS, description="不承認の理由（記録用。申込者への通知には書かれません）"
    )


class ChangeAssignIn(StrictIn):
    operator: str | None = Field(
        default=None,
        max_length=150,
        description="担当にするヘルプデスク職員のユーザー名。null で担当なし",
    )


# --- output -----------------------------------------------------------------------------------------


class ChangeListItemOut(Schema):
    number: str = Field(description="変更受付番号")
    status: str = Field(description="状態（コード）")
    status_label: str = Field(description="状態")
    channel: str = Field(description="受付経路（コード）")
    submitted_at: datetime = Field(description="受付日時")
    project_number: str = Field(description="工事番号")
    project_name: str = Field(description="工事名")
    kinds: list[str] = Field(description="変更の種類（コード）")
    item_count: int = Field(description="変更項目の数")
    requester_name: str = Field(description="申込者氏名（申込書の記載）")
    assigned_to: str | None = Field(description="担当者のユーザー名")
    impersonation_suspected: bool = Field(description="なりすましの疑い（本人が否認した）")


class ChangeListPageOut(PageOut):
    count: int = Field(description="条件に合う変更申込の総数")
    items: list[ChangeListItemOut]


class ChangeItemOut(Schema):
    position: int = Field(description="行番号")
    kind: str = Field(description="変更の種類（コード）")
    field: str = Field(description="項目（コード）")
    label: str = Field(description="項目")
    target: str = Field(description="対象（利用者ID・監督員ID・applicant。工事の項目は空）")
    person_concerned: str = Field(
        description="本人（この項目を確認できる人の key: applicant または利用者ID。people_concerned の key）"
    )
    before: Any = Field(description="申込時の登録内容")
    current: Any = Field(description="現在の登録内容（申込の後に変わっていれば before と異なる）")
    after: Any = Field(description="変更後（申込の内容）")
    decision: str = Field(description="本人確認（pending / confirmed / declined）")
    applied_at: datetime | None = Field(description="反映日時")
    outcome: str = Field(description="反映の結果")


class PersonConcernedOut(Schema):
    key: str = Field(description="本人の key（POST …/callbacks の contact）")
    label: str = Field(description="誰か（申込担当者・利用者ID）")
    name: str = Field(description="氏名（登録内容）")
    phone: str = Field(description="電話番号（登録済み。本人確認の電話はこの番号にかけます。空なら登録なし）")
    positions: list[int] = Field(description="この本人の情報を変える項目の行番号")
    unverified_positions: list[int] = Field(description="そのうち本人確認がまだの項目の行番号")
    to_call: bool = Field(description="まだ電話が必要（未確認の項目があり、登録済みの番号がある）")


class CallBackOut(Schema):
    id: int = Field(description="通話記録ID")
    contact: str = Field(description="発信先の key")
    contact_name: str = Field(description="発信先の氏名（登録内容）")
    phone_number: str = Field(description="発信先の電話番号（記録時点の登録済みの番号）")
    called_at: datetime = Field(description="通話日時")
    called_by: str = Field(description="電話した職員")
    outcome: str = Field(description="結果（confirmed / denied / no_answer / wrong_person）")
    note: str = Field(description="メモ")
    evidence_sha256: str | None = Field(description="通話記録（証跡）のSHA-256")


class FeeImpactOut(Schema):
    current_total: int = Field(description="現在の請求額（税込・円）")
    new_total: int = Field(description="変更後の請求額（税込・円）")
    difference: int = Field(description="差額（税込・円）")
    explanation: str = Field(description="説明")
    billing_configured: bool = Field(description="料金プラン・税率が設定されている")
    settlement: str = Field(description="精算のしかた（コード）")


class ChangeStateOut(Schema):
    number: str = Field(description="変更受付番号")
    status: str = Field(description="状態（コード）")
    status_label: str = Field(description="状態")
    impersonation_suspected: bool = Field(description="なりすましの疑い（本人が否認した）")
    decision_note: str = Field(description="判断の理由（窓口用）")
    assigned_to: str | None = Field(description="担当者のユーザー名")
    verified_at: datetime | None = Field(description="本人確認日時")
    applied_at: datetime | None = Field(description="反映日時")
    rejected_at: datetime | None = Field(description="不承認日時")
    items: list[ChangeItemOut]


class ChangeDetailOut(ChangeStateOut):
    channel: str = Field(description="受付経路（コード）")
    submitted_at: datetime = Field(description="受付日時")
    project_number: str = Field(description="工事番号")
    project_name: str = Field(description="工事名")
    requester_name: str = Field(description="申込者氏名（申込書の記載）")
    requester_phone_stated: str = Field(description="申込書に記載の電話番号（発信には使いません）")
    requester_email_stated: str = Field(description="申込書に記載のメールアドレス（送信には使いません）")
    reason: str = Field(description="変更の理由")
    notices: list[str] = Field(description="入力の自動補正")
    people_concerned: list[PersonConcernedOut] = Field(
        description="変更される情報の本人ごとの登録済みの番号と項目（本人確認の電話は一人ひとりに）"
    )
    call_backs: list[CallBackOut]
    fee_impact: FeeImpactOut | None = Field(description="料金への影響（工期・請負金額の変更があるとき）")
    form_evidence_sha256: str | None = Field(description="変更申込書（証跡）のSHA-256")


class CallBackRecordedOut(Schema):
    change: ChangeStateOut
    call: CallBackOut
