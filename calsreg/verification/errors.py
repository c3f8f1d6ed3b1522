"""Refusals of the confirmation flow, with messages safe to show to a supervisor or an operator."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from calsreg.core.errors import NotFound


class LinkRefusal:
    """Why a supervisor's confirmation link can't be used (the page explains each one)."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    SUPERSEDED = "superseded"
    NOT_AWAITING = "not_awaiting"


def _messages() -> dict[str, str]:
    return {
        LinkRefusal.UNKNOWN: _(
            "このリンクは無効です。メールに記載されたURLを最後まで省略せずに開いているかご確認ください。"
        ),
        LinkRefusal.EXPIRED: _(
            "このリンクは有効期限が切れています。お手数ですが、ヘルプデスクまでご連絡ください。"
        ),
        LinkRefusal.USED: _(
            "この申込内容の確認には、すでにご回答いただいています。ご協力ありがとうございました。"
        ),
        LinkRefusal.SUPERSEDED: _(
            "このリンクは、その後にお送りしたメールにより無効になりました。最新のメールに記載されたリンクを開いてください。"
        ),
        LinkRefusal.NOT_AWAITING: _(
            "この申込は、現在は内容確認を受け付けていません（取下げ・差戻し・処理済みなど）。"
            "ご不明な点は、ヘルプデスクまでご連絡ください。"
        ),
    }


class ConfirmationLinkRefused(NotFound):
    """The link can't be used; ``reason`` is one of ``LinkRefusal``. Nothing was changed."""

    code = "confirmation_link_refused"
    HTTP_STATUS_BY_REASON = {
        LinkRefusal.UNKNOWN: 404,
        LinkRefusal.EXPIRED: 410,
        LinkRefusal.USED: 409,
        LinkRefusal.SUPERSEDED: 410,
        LinkRefusal.NOT_AWAITING: 409,
    }

    def __init__(self, reason: str, **context: Any) -> None:
        super().__init__(_messages()[reason], reason=reason, **context)
        self.reason = reason
        self.http_status = self.HTTP_STATUS_BY_REASON[reason]
