"""Bodies of the help desk's actions on one application (seed steps 3–5).

None of them has a field for an e-mail address or a phone number: a confirmation mail goes only to the
directory supervisors' addresses and a call is recorded at the directory's number, both read by the
services themselves (security invariant 1). Unknown keys are refused (``StrictIn``), so a crafted
``to`` / ``email`` / ``phone_number`` is a 422 and nothing is sent or recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from pydantic import Field

from calsreg.api.schemas.application_in import StrictIn
from calsreg.verification.models import Answer, CallOutcome
from calsreg.verification.services.answers import REASON_MAX_CHARS

AnswerValue = Enum("AnswerValue", {value: value for value in Answer.values}, type=str)  # type: ignore[misc]
CallOutcomeValue = Enum(  # type: ignore[misc]
    "CallOutcomeValue", {value: value for value in CallOutcome.values}, type=str
)

ANSWER_HELP = "confirmed: 申込は正しい（確認）／ denied: 心当たりがない・誤り（否認。理由が必要）"
OUTCOME_HELP = (
    "confirmed: 確認できた／ denied: 否認された（メモが必要）／ no_answer: 不在・応答なし／ "
    "wrong_person: 別人・該当者なし。no_answer と wrong_person では確認待ちのままです。"
)


class ConfirmationSendIn(StrictIn):
    """送信先は指定できません。名簿の監督員のアドレスにだけ送ります。"""

    expected_open_ids: list[int] = Field(
        description=(
            "いま有効な確認依頼のID（GET …/confirmation の open_request_ids）。初回は []。"
            "食い違うと 409 になり、何も送りません（二重送信・二人同時の操作を防ぎます）。"
        ),
        max_length=100,
    )


class ReplyRecordIn(StrictIn):
    """返信メール（.eml）と一緒に multipart/form-data で送る項目。"""

    answer: AnswerValue = Field(description=f"返信の内容。{ANSWER_HELP}")  # type: ignore[valid-type]
    reason: str = Field(default="", max_length=REASON_MAX_CHARS, description="理由・メモ（否認の場合は必須）")


class CallRecordIn(StrictIn):
    """電話番号は指定できません。名簿の番号を記録します。"""

    supervisor_id: int = Field(description="電話した監督員のID（この申込の名簿の監督員。GET …/confirmation）")
    outcome: CallOutcomeValue = Field(description=f"通話の結果。{OUTCOME_HELP}")  # type: ignore[valid-type]
    note: str = Field(default="", max_length=REASON_MAX_CHARS, description="メモ（否認の場合は必須）")
    called_at: datetime | None = Field(
        default=None,
        description="通話日時（ISO 8601。省略時は現在、タイムゾーンがなければ日本時間）。未来・受付前は不可。",
    )


class ReturnIn(StrictIn):
    reason: str = Field(
        max_length=REASON_MAX_CHARS, description="差戻しの理由（申込者へのメールに書かれます）"
    )


class RejectIn(StrictIn):
    reason: str = Field(
        max_length=REASON_MAX_CHARS,
        description="却下の理由（記録用。申込者への通知には書かれません）",
    )


class RegisterIn(StrictIn):
    """本文は {}。ID・パスワード・宛先はどれも指定できません（IDはシステムが決め、パスワードは
    送信時に作られて本人へのメールにだけ書かれます）。"""


class StartUseIn(StrictIn):
    starts_on: date | None = Field(
        default=None,
        description="利用開始日。省略または今日以前なら今すぐ開始し、後の日ならその日に開始するよう予約します。",
    )
