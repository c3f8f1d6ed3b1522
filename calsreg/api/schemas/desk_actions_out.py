"""What the help desk's actions answer: the application's state, confirmation requests, calls, the
project with its account IDs. Passwords appear nowhere: they exist only inside the password mail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from calsreg.accounts.models import MembershipRole, Project
from calsreg.accounts.selectors import project_accounts
from calsreg.api.schemas.staff_out import OfficeRefOut, SupervisorRefOut


class ApplicationStateOut(Schema):
    receipt_number: str = Field(description="受付番号")
    status: str = Field(description="状態（コード）")
    status_label: str = Field(validation_alias="get_status_display", description="状態")
    impersonation_suspected: bool = Field(description="なりすましの疑い（監督員が否認した）")
    decision_reason: str = Field(description="差戻し・却下の理由（デスク用）")


class SupervisorContactOut(SupervisorRefOut):
    email: str = Field(description="名簿のメールアドレス（確認メールの送信先）")
    phone: str = Field(description="名簿の電話番号（電話確認の発信先。変更できません）")


class ConfirmationRequestOut(Schema):
    id: int = Field(description="確認依頼ID（返信メールの記録と expected_open_ids に使います）")
    supervisor: SupervisorRefOut = Field(description="宛先の監督員（名簿）")
    sent_to: str = Field(description="送信先（送信時点の名簿のアドレス）")
    sent_at: datetime = Field(validation_alias="created_at", description="依頼日時")
    sent_by: str = Field(description="依頼した職員")
    expires_at: datetime = Field(description="リンクの有効期限")
    due_back_on: date = Field(description="回答期限（営業日）。過ぎると催促メールを送ります。")
    reminded_at: datetime | None = Field(description="催促日時")
    superseded_at: datetime | None = Field(description="再送により無効になった日時")
    is_open: bool = Field(description="回答待ち（回答済みでも無効でもない）")
    answered_at: datetime | None = Field(description="回答日時")
    answer: str = Field(description="回答（confirmed / denied。未回答は空）")
    answer_channel: str = Field(description="回答経路（link: 確認用リンク / mail: 返信メール）")
    reason: str = Field(description="否認の理由・コメント")
    reply_from: str = Field(description="返信メールの差出人（名簿のアドレス）")
    sender_mismatch: bool = Field(
        description="以前の記録で、返信メールの差出人が名簿のアドレスと異なる（この回答は数えません）"
    )

    @staticmethod
    def resolve_sent_by(request: Any) -> str:
        return str(request.sent_by)


class UnlistedReplyOut(Schema):
    id: int = Field(description="記録ID")
    request_id: int = Field(description="返信が届いた確認依頼ID")
    recorded_at: datetime = Field(validation_alias="created_at", description="記録日時")
    sender: str = Field(description="差出人（メールのFrom。表示名を含む）")
    stated_answer: str = Field(description="返信に書かれていた内容（confirmed / denied）。回答には数えません")
    reason: str = Field(description="理由・メモ")
    warning: str = Field(description="デスクへの注意（確認用リンクか、名簿のアドレスへの再送を）")


class PhoneCallOut(Schema):
    id: int = Field(description="電話記録ID")
    supervisor: SupervisorRefOut = Field(description="電話した監督員（名簿）")
    phone_number: str = Field(description="発信先の電話番号（記録時点の名簿の番号）")
    called_at: datetime = Field(description="通話日時")
    called_by: str = Field(description="電話した職員")
    outcome: str = Field(description="結果（confirmed / denied / no_answer / wrong_person）")
    outcome_label: str = Field(validation_alias="get_outcome_display", description="結果")
    note: str = Field(description="メモ")

    @staticmethod
    def resolve_called_by(call: Any) -> str:
        return str(call.called_by)


class ConfirmationActionsOut(Schema):
    can_send: bool = Field(
        validation_alias="send", description="確認メールを送れる（POST …/confirmation-requests）"
    )
    can_resend: bool = Field(
        validation_alias="resend", description="確認メールを再送できる（前回のリンクは無効になります）"
    )
    can_record_answers: bool = Field(
        validation_alias="record_answers", description="返信メール・電話の結果を記録できる"
    )
    can_return: bool = Field(
        validation_alias="return_for_correction", description="差し戻せる（POST …/return）"
    )
    can_reject: bool = Field(validation_alias="reject", description="却下できる（POST …/reject）")
    can_register: bool = Field(validation_alias="register", description="登録できる（POST …/register）")
    can_start_use: bool = Field(
        validation_alias="start_use", description="利用開始できる（POST …/start-use）"
    )


class ConfirmationOverviewOut(Schema):
    application: ApplicationStateOut = Field(description="申込")
    supervisors: list[SupervisorContactOut] = Field(
        description="この申込の名簿の監督員（確認メール・電話の相手はこの中からだけ）"
    )
    requests: list[ConfirmationRequestOut] = Field(description="確認依頼（新しい順）")
    open_request_ids: list[int] = Field(description="回答待ちの確認依頼ID（再送の expected_open_ids）")
    calls: list[PhoneCallOut] = Field(description="電話確認の記録（新しい順）")
    unlisted_replies: list[UnlistedReplyOut] = Field(
        description="名簿のアドレス以外からの返信メール（新しい順。確認にも否認にも数えません）"
    )
    positive_answer: bool = Field(description="監督員の確認（名簿のアドレスからの返信またはリンク）がある")
    positive_call: bool = Field(description="電話で確認できた記録がある")
    actions: ConfirmationActionsOut = Field(description="いまできる操作")

    @staticmethod
    def resolve_open_request_ids(overview: Any) -> list[int]:
        return [request.pk for request in overview.open_requests]


class ConfirmationSentOut(Schema):
    application: ApplicationStateOut = Field(description="申込（確認待ちになります）")
    requests: list[ConfirmationRequestOut] = Field(description="送信した確認依頼（名簿の監督員ごとに1件）")


class ReplyRecordedOut(Schema):
    application: ApplicationStateOut = Field(
        description="申込（電話でも確認済みなら confirmed、否認なら rejected。数えない返信では変わりません）"
    )
    request: ConfirmationRequestOut = Field(
        description="確認依頼（名簿のアドレスからの返信なら回答済み、それ以外は回答待ちのまま）"
    )
    counted: bool = Field(description="回答として数えた（差出人が名簿のアドレスだけのとき true）")
    warning: str = Field(description="数えなかったときの注意（数えたときは空）")
    unlisted_reply: UnlistedReplyOut | None = Field(
        description="数えなかった返信メールの記録（証跡として保存。数えたときは null）"
    )


class CallRecordedOut(Schema):
    application: ApplicationStateOut = Field(
        description="申込（監督員の確認もあれば confirmed、否認なら rejected）"
    )
    call: PhoneCallOut = Field(description="記録した電話")


class ProjectAccountOut(Schema):
    account_id: str = Field(validation_alias="username", description="ID（パスワードは返しません）")
    display_name: str = Field(description="氏名")
    role: str = Field(description="利用者の種類（contractor: 受注者 / supervisor: 監督員）")
    role_label: str = Field(validation_alias="get_role_display", description="利用者の種類")
    member_role: str = Field(description="この工事での役割（コード）")
    member_role_label: str = Field(description="この工事での役割")
    state: str = Field(description="アカウントの状態（issued: 利用開始前 / active / closed）")
    state_label: str = Field(validation_alias="get_state_display", description="アカウントの状態")

    @staticmethod
    def resolve_member_role_label(account: Any) -> str:
        return str(dict(MembershipRole.choices).get(account.member_role, ""))


class ProjectOut(Schema):
    id: int = Field(description="工事ID")
    receipt_number: str = Field(description="登録元の申込の受付番号")
    status: str = Field(description="工事の状態（provisioned: 利用開始前 / active: 利用中 …）")
    status_label: str = Field(validation_alias="get_status_display", description="工事の状態")
    project_number: str = Field(description="工事番号")
    name: str = Field(description="工事名")
    office: OfficeRefOut = Field(description="発注事務所")
    contractor_name: str = Field(description="受注者名")
    period_start: date = Field(description="工期（開始日）")
    period_end: date = Field(description="工期（終了日）")
    service_starts_on: date | None = Field(description="利用開始予定日（予約したとき）")
    started_at: datetime | None = Field(description="利用開始日時（開始前は null）")
    accounts: list[ProjectAccountOut] = Field(
        description="この工事のアカウント（IDだけ。IDとパスワードは別々のメールで本人に届きます）"
    )

    @staticmethod
    def resolve_receipt_number(project: Project) -> str:
        return project.application.receipt_number

    @staticmethod
    def resolve_accounts(project: Project) -> list[Any]:
        return list(project_accounts(project=project))
