"""Received mail in words the desk reads: what was recognised, and where its result is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calsreg.mailbox.models import MailboxMessage
from calsreg.verification.models import Answer


@dataclass(frozen=True)
class ResultLink:
    url: str
    label: str


def recognised_flat(recognised: Any) -> dict[str, Any]:
    """``recognised`` with the matched confirmation request's receipt number and id at the top.

    The classifier keeps the request it matched as ``request`` (a dict) and the requests it could not
    choose between as ``candidates``; the desk reads ``receipt_number`` and ``request_id`` first.
    """
    if not isinstance(recognised, dict):
        return {}
    flat = dict(recognised)
    request = recognised.get("request")
    if isinstance(request, dict):
        flat.setdefault("request_id", request.get("request_id"))
        flat.setdefault("receipt_number", request.get("receipt_number"))
    return flat


# The classifier's words for a reply whose answer it could not read (``mailbox.classify.Answer``).
UNREAD_ANSWERS = {
    "none": gettext_lazy(
        "回答: 読み取れません（「確認しました」「心当たりがありません」のどちらもありません）"
    ),
    "both": gettext_lazy(
        "回答: 読み取れません（「確認しました」「心当たりがありません」の両方が残っています）"
    ),
}


def recognised_parts(recognised: Any) -> list[str]:
    """What the classifier recognised (``recognised``), one short phrase each, in a fixed order.

    Known keys: ``receipt_number``, ``request_id`` (a confirmation request; or ``request``, a dict
    holding both), ``answer``, ``attachments`` (names, or objects with a ``name``); anything else is
    not shown here.
    """
    recognised = recognised_flat(recognised)
    parts = []
    if recognised.get("receipt_number"):
        parts.append(_("受付番号 %(number)s") % {"number": recognised["receipt_number"]})
    if recognised.get("request_id"):
        parts.append(_("確認依頼 #%(id)s") % {"id": recognised["request_id"]})
    answer = recognised.get("answer")
    if answer in Answer.values:
        parts.append(_("回答: %(answer)s") % {"answer": Answer(answer).label})
    elif answer in UNREAD_ANSWERS:
        parts.append(str(UNREAD_ANSWERS[answer]))
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
