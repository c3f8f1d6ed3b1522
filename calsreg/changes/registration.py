"""Reading the current registration of a project: the values a change is compared against, and the
phone numbers on file that the help desk calls back (seed step 8).

A number written on a change form is never among the contacts: the call-back goes to a number the
registration already held, so a forger who writes their own number on the form is not the one called.
And it goes to the person whose data changes (``people_concerned``), not to whoever filed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from calsreg.accounts.models import Membership, Project, Role, User
from calsreg.changes.catalog import APPLICANT, ItemSpec, Store, person_concerned
from calsreg.changes.models import ChangeItem, ChangeRequest, ItemDecision


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
            label=_contact_label(APPLICANT),
            name=application.applicant_name,
            phone=application.applicant_phone,
        )
    ]
    for username, user in project_accounts(project).items():
        if user.phone:
            contacts.append(
                Contact(
                    key=username,
                    label=_contact_label(username),
                    name=user.display_name,
                    phone=user.phone,
                )
            )
    return contacts


def contact_on_file(project: Project, key: str) -> Contact | None:
    return next((contact for contact in contacts_on_file(project) if contact.key == key), None)


@dataclass(frozen=True)
class PersonConcerned:
    """Someone whose data a request changes (本人): who must be called back, at which number on file,
    for which items. ``phone`` is empty when none is on file for the project: then nobody can confirm
    their items."""

    key: str  # "applicant" or an account ID: the ``contact`` of the call-back that confirms
    label: str
    name: str
    phone: str
    items: tuple[ChangeItem, ...]

    @property
    def pending(self) -> tuple[ChangeItem, ...]:
        return tuple(item for item in self.items if item.decision == ItemDecision.PENDING)

    @property
    def to_call(self) -> bool:
        """Still to be reached: items not yet decided, and a number on file to call."""
        return bool(self.phone) and bool(self.pending)


def people_concerned(request: ChangeRequest) -> list[PersonConcerned]:
    """The people whose data ``request`` changes, in the order of their first item, each with the
    number on file for them (one query for the project's accounts; the items may be prefetched)."""
    contacts = {contact.key: contact for contact in contacts_on_file(request.project)}
    by_person: dict[str, list[ChangeItem]] = {}
    for item in sorted(request.items.all(), key=lambda item: item.position):
        by_person.setdefault(person_concerned(field=item.field, target=item.target), []).append(item)
    people = []
    for key, items in by_person.items():
        contact = contacts.get(key)
        people.append(
            PersonConcerned(
                key=key,
                label=contact.label if contact else _contact_label(key),
                name=contact.name if contact else "",
                phone=contact.phone if contact else "",
                items=tuple(items),
            )
        )
    return people


def _contact_label(key: str) -> str:
    return _("申込担当者") if key == APPLICANT else _("利用者 %(id)s") % {"id": key}


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
