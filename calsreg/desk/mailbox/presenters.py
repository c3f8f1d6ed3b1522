"""Received mail in words the desk reads: what was recognised, and where its result is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from calsreg.mailbox.models import MailboxMessage
from calsreg.verification.models import Answer


@dataclass(frozen=True)
class ResultLink:
    url: str
    label: str


def recognised_parts(recognised: Any) -> list[str]:
    """What the classifier recognised (``recognised``), one short phrase each, in a fixed order.

    Known keys: ``receipt_number``, ``request_id`` (a confirmation request), ``answer``,
    ``attachments`` (names, or objects with a ``name``); anything else is not shown here.
    """
    if not isinstance(recognised, dict):
        return []
    parts = []
    if recognised.get("receipt_number"):
        parts.append(_("受付番号 %(number)s") % {"number": recognised["receipt_number"]})
    if recognised.get("request_id"):
        parts.append(_("確認依頼 #%(id)s") % {"id": recognised["request_id"]})
    answer = recognised.get("answer")
    if answer in Answer.values:
        parts.append(_("回答: %(answer)s") % {"answer": Answer(answer).label})
    names = [_attachment_name(item) for item in recognised.get("attachments") or [] if _attachment_name(item)]
    if names:
        parts.append(_("添付: %(names)s") % {"names": "、".join(names)})
    return parts


def _attachment_name(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("name") or item.get("filename") or "")
    return str(item) if isinstance(item, str) else ""


def result_link(
    message: MailboxMessage, *, applications: dict[int, int], receipts: dict[int, str]
) -> ResultLink | None:
    """Where the desk opens what the message became: the application (also for a reply to one of its
    confirmation requests), the change request; None when there is nothing to open."""
    application_id = applications.get(message.pk)
    if application_id is not None:
        receipt = receipts.get(application_id, "")
        return ResultLink(
            url=reverse("desk:application_detail", args=[application_id]),
            label=_("申込 %(receipt)s") % {"receipt": receipt} if receipt else _("申込"),
        )
    if message.result_type == "changerequest" and message.result_id:
        return ResultLink(url=reverse("desk:change_detail", args=[message.result_id]), label=_("変更申込"))
    if message.result_type == "delivery" and message.result_id:
        return ResultLink(url=reverse("desk:mail_troubles"), label=_("送信失敗メール"))
    return None
