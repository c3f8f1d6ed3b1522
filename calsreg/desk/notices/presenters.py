"""Rows of the notices list: the text in the operator's language and where the subject is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from calsreg.notifications.models import StaffNotice
from calsreg.notifications.staff_selectors import notice_text

# Which desk page shows a notice's subject (by its model name; a delivery: the failed-mail list).
SUBJECT_PAGES = {
    "application": "desk:application_detail",
    "changerequest": "desk:change_detail",
    "paymentimport": "desk:billing_payment_import_detail",
}


@dataclass(frozen=True)
class NoticeRow:
    pk: int
    at: datetime
    kind: str
    kind_label: str
    text: str
    url: str
    unread: bool


def notice_rows(notices: list[StaffNotice], *, read_up_to: int) -> list[NoticeRow]:
    return [
        NoticeRow(
            pk=notice.pk,
            at=notice.at,
            kind=notice.kind,
            kind_label=str(notice.get_kind_display()),
            text=notice_text(notice),
            url=_url(notice),
            unread=notice.pk > read_up_to,
        )
        for notice in notices
    ]


def _url(notice: StaffNotice) -> str:
    if notice.subject_type == "delivery":
        return reverse("desk:mail_troubles")
    name = SUBJECT_PAGES.get(notice.subject_type)
    return reverse(name, args=[notice.subject_id]) if name else ""
