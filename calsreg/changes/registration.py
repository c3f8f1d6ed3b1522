"""Reading the current registration of a project: the values a change is compared against, and the
phone numbers on file that the help desk may call back (seed step 8).

A number written on a change form is never among the contacts: the call-back goes to a number the
registration already held, so a forger who writes their own number on the form is not the one called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from calsreg.accounts.models import Membership, Project, Role, User
from calsreg.changes.catalog import APPLICANT, ItemSpec, Store
from calsreg.changes.models import ChangeRequest


@dataclass(frozen=True)
class Contact:
    """Someone whose phone number is on file for the project."""

    key: str  # "applicant" or an account ID
    label: str
    name: str
    phone: str


def project_accounts(project: Project) -> dict[str, User]:
    """The project's active contractor accounts by account ID."""
    memberships = (
        Membership.objects.filter(project=project, active=True, user__role=Role.CONTRACTOR)
        .select_related("user")
        .order_by("user__username")
    )
    return {membership.user.username: membership.user for membership in memberships}


def contacts_on_file(project: Project) -> list[Contact]:
    """Everyone the desk may call back: the 申込担当者, then the project's contractor users."""
    application = project.application
    contacts = [
        Contact(
            key=APPLICANT,
            label=_("申込担当者"),
            name=application.applicant_name,
            phone=application.applicant_phone,
        )
    ]
    for username, user in project_accounts(project).items():
        if user.phone:
            contacts.append(
                Contact(
                    key=username,
                    label=_("利用者 %(id)s") % {"id": username},
                    name=user.display_name,
                    phone=user.phone,
                )
            )
    return contacts


def contact_on_file(project: Project, key: str) -> Contact | None:
    return next((contact for contact in contacts_on_file(project) if contact.key == key), None)


def default_contact_key(request: ChangeRequest) -> str:
    """Whom to call first: the account holder who filed the request, else the 申込担当者."""
    filer = request.filed_by
    if filer is not None and filer.username in project_accounts(request.project):
        return filer.username
    return APPLICANT


def registered_value(
    *, project: Project, item: ItemSpec, target: str, accounts: dict[str, User] | None = None
) -> Any:
    """The registered value an item would change, as JSON (dates as ISO strings); None for actions.

    ``accounts`` (``project_accounts(project)``) saves a query per item when reading many."""
    value: Any
    if item.store == Store.PROJECT:
        value = getattr(project, item.attribute)
    elif item.store == Store.APPLICATION:
        value = getattr(project.application, item.attribute)
    elif item.store == Store.ACCOUNT:
        user = (accounts if accounts is not None else project_accounts(project)).get(target)
        value = getattr(user, item.attribute) if user is not None else None
    else:
        return None
    return as_json(value)


def as_json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value
