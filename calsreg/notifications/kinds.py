"""The kinds of notice the system sends, with the names the desk shows for them.

A kind is also the name of its template pair (``notifications/mail/<lang>/<kind>.txt``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KIND_LABELS = {
    "application_received": _("受付確認メール"),
    "confirmation_request": _("内容確認の依頼（監督員あて）"),
    "confirmation_reminder": _("内容確認の催促（監督員あて）"),
    "confirmation_overdue_desk": _("内容確認の回答期限切れ（ヘルプデスクあて）"),
    "account_id_notice": _("ID通知メール"),
    "account_password_notice": _("パスワード通知メール"),
    "start_of_use": _("利用開始のお知らせ"),
    "account_password_reset": _("パスワード再設定メール"),
    "project_access_ended": _("工事の利用者登録の削除のお知らせ"),
    "account_email_changed_old": _("登録メールアドレス変更のお知らせ（変更前のアドレスあて）"),
    "account_email_changed_new": _("登録メールアドレス変更のお知らせ（変更後のアドレスあて）"),
    "account_email_change_refused": _("メールアドレス変更をお受けしなかったお知らせ"),
    "project_closed": _("利用終了のお知らせ"),
    "invoice_reminder": _("利用料お支払いのお願い（支払期限前）"),
    "project_suspended": _("利用停止のお知らせ"),
    "project_reinstated": _("利用再開のお知らせ"),
    "change_request_received": _("変更申込の受付確認"),
    "change_request_concerned": _("変更申込があったことのお知らせ（変更される情報の本人あて）"),
    "change_request_rejected": _("変更申込の不承認のお知らせ"),
    "change_request_result": _("変更申込の反映結果"),
    "change_email_attempt": _("メールアドレス変更の申込があったことのお知らせ（旧アドレスあて）"),
    "change_email_changed": _("登録メールアドレス変更のお知らせ"),
    "staff_digest": _("お知らせのまとめメール（職員あて）"),
    "admin_alert": _("システムの異常のお知らせ（管理者あて）"),
    "mailbox_workbook_refused": _("受信した申込書の不備のお知らせ（差出人あて）"),
}

# Kinds sent in answer to a received mail: marked ``Auto-Submitted: auto-replied`` (RFC 3834), the
# others ``auto-generated``; either way no auto-responder should answer them.
AUTO_REPLIED_KINDS = frozenset({"mailbox_workbook_refused"})


def kind_label(kind: str) -> str:
    """The kind's display name; an unknown kind shows as itself rather than failing."""
    return str(KIND_LABELS.get(kind, kind))
