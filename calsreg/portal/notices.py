"""The top page's notices, written by the administrator in the Django admin: each save and delete
leaves an audit event with the fields before and after (a notice is public text under the
service's name: who published what, and when, must be on record)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from calsreg.portal.models import Notice
from calsreg.records.services import Actor, audit_record, field_changes


@transaction.atomic
def notice_save(*, notice: Notice, actor: Actor) -> Notice:
    """Save ``notice`` as edited (already validated by the admin's model form) and audit the change."""
    before = Notice.objects.select_for_update().filter(pk=notice.pk).first() if notice.pk else None
    notice.save()
    changes = field_changes(before=before, after=notice)
    if changes:
        audit_record(
            actor=actor,
            action="notice.published" if before is None else "notice.changed",
            subject=notice,
            summary=gettext_noop("お知らせ「%(title)s」を保存しました。"),
            summary_params={"title": notice.title},
            data={"changes": changes},
        )
    return notice


@transaction.atomic
def notice_delete(*, notice: Notice, actor: Actor) -> None:
    """Delete ``notice``; the audit event keeps what it said."""
    audit_record(
        actor=actor,
        action="notice.deleted",
        subject=notice,
        summary=gettext_noop("お知らせ「%(title)s」を削除しました。"),
        summary_params={"title": notice.title},
        data={
            "changes": {
                name: {"before": change["after"], "after": None}
                for name, change in field_changes(before=None, after=notice).items()
            }
        },
    )
    notice.delete()
