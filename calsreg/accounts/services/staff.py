"""Staff users (help desk, billing agent, administrator), added and edited by an administrator in
the Django admin — the only admin write on users, and it goes through here to be audited.

Account holders (contractors, orderer supervisors) are never edited there: their e-mail and phone
change only through a change request verified by a call-back. A staff user made here cannot sign
in to the admin site (``is_staff`` and ``is_superuser`` stay off; a superuser is made with
``createsuperuser``), and only these fields of a staff user can change: ``STAFF_EDITABLE_FIELDS``.
"""

from __future__ import annotations

import copy

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import STAFF_ROLES, User
from calsreg.core.errors import FieldError, PermissionDenied, ValidationFailed
from calsreg.records.services import Actor, audit_record, field_changes

STAFF_EDITABLE_FIELDS = ("display_name", "email", "role", "is_active")


def _role_checked(user: User) -> None:
    if user.role not in STAFF_ROLES:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="role",
                    label=_("役割"),
                    message=_("ヘルプデスク・請求代行・管理者のいずれかを選んでください。"),
                )
            ]
        )


@transaction.atomic
def staff_user_create(*, user: User, actor: Actor) -> User:
    """Save a new staff user prepared by the admin's form (its password already hashed there).

    Raises ValidationFailed if the role is not a staff role; nothing is saved then.
    """
    _role_checked(user)
    user.is_staff = user.is_superuser = False
    user.save()
    audit_record(
        actor=actor,
        action="staff_user.created",
        subject=user,
        summary=gettext_noop("職員の利用者 %(user)s を作成しました。"),
        summary_params={"user": user.get_username()},
        data={"changes": field_changes(before=None, after=user)},
    )
    return user


@transaction.atomic
def staff_user_update(*, user: User, actor: Actor) -> User:
    """Save the admin's edit of a staff user: only ``STAFF_EDITABLE_FIELDS`` are taken from ``user``.

    Raises PermissionDenied for an account holder and ValidationFailed for a role that is not a
    staff role (a staff user is never turned into an account holder); nothing is changed then.
    """
    stored = User.objects.select_for_update().get(pk=user.pk)
    if stored.role not in STAFF_ROLES:
        raise PermissionDenied(
            _("受注者・監督員のアカウントは、変更申込（本人への電話確認）でだけ変更できます。")
        )
    _role_checked(user)
    before = copy.copy(stored)
    for name in STAFF_EDITABLE_FIELDS:
        setattr(stored, name, getattr(user, name))
    stored.save(update_fields=list(STAFF_EDITABLE_FIELDS))
    changes = field_changes(before=before, after=stored)
    if changes:
        audit_record(
            actor=actor,
            action="staff_user.changed",
            subject=stored,
            summary=gettext_noop("職員の利用者 %(user)s を変更しました。変更した項目: %(fields)s"),
            summary_params={"user": stored.get_username(), "fields": "、".join(changes)},
            data={"changes": changes},
        )
    return stored
