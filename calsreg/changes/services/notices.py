"""Who hears about a change request, and what they are told.

Every notice about a change request goes to addresses **on file** — the 申込担当者's, the filing
account's and, on filing, each person concerned's — never to an address written on the form: the form
may be a forger's. For the same reason a notice names the filer only as on file (the filing account),
never by the name written on the form, and never carries the values asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from calsreg.accounts.models import Project
from calsreg.changes.catalog import APPLICANT, item_spec, person_concerned
from calsreg.changes.models import ChangeChannel, ChangeItem, ChangeRequest
from calsreg.changes.registration import project_accounts


def project_mail_context(project: Project) -> dict[str, Any]:
    return {
        "project_name": project.name,
        "project_number": project.project_number,
        "contractor_name": project.contractor_name,
        "office_name": project.office.name,
    }


def filing_context(request: ChangeRequest) -> dict[str, Any]:
    """How the request came in: the channel, and the filing account as on file (empty when nobody
    signed in — the portal, an anonymous workbook, the desk's API)."""
    filer = request.filed_by
    with translation.override(request.language):
        channel_label = str(ChangeChannel(request.channel).label)
    return {
        "channel": request.channel,
        "channel_label": channel_label,
        "filer_name": str(filer) if filer is not None else "",
        "filer_id": filer.get_username() if filer is not None else "",
    }


def recipients_on_file(request: ChangeRequest) -> dict[str, str]:
    """``{address: name}``: the registered 申込担当者, then the account that filed the request."""
    application = request.project.application
    recipients = {application.applicant_email: application.applicant_name}
    filer = request.filed_by
    if filer is not None and filer.email:
        recipients.setdefault(filer.email, filer.display_name)
    return recipients


@dataclass(frozen=True)
class PersonToTell:
    """A person concerned by a request who did not file it, told at their address on file."""

    key: str  # "applicant" or an account ID, as in ``catalog.person_concerned``
    address: str
    name: str
    items: tuple[str, ...]  # what of theirs is asked to change, in words (never the new values)


def people_to_tell(
    request: ChangeRequest, *, items: Sequence[ChangeItem], told: Iterable[str]
) -> list[PersonToTell]:
    """Each person concerned by ``items`` who is not the filer and not already told at the same
    address (``told``: the acknowledgement's addresses), once, with their items' labels.

    The address is the one on file when the request is filed — for an e-mail change, the old one.
    The 申込担当者's address always receives the acknowledgement, so it is never told twice.
    """
    by_person: dict[str, list[ChangeItem]] = {}
    for item in sorted(items, key=lambda item: item.position):
        by_person.setdefault(person_concerned(field=item.field, target=item.target), []).append(item)
    filer = request.filed_by
    by_person.pop(filer.get_username() if filer is not None else "", None)
    on_file = _addresses_on_file(request.project, keys=by_person)
    seen = {address.casefold() for address in told}
    people = []
    for key, theirs in by_person.items():
        address, name = on_file.get(key, ("", ""))
        if not address or address.casefold() in seen:
            continue
        seen.add(address.casefold())
        people.append(PersonToTell(key=key, address=address, name=name, items=_labels(request, theirs)))
    return people


def _addresses_on_file(project: Project, *, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{key: (address, name)}`` on file for the 申込担当者 and the project's active accounts."""
    keys = set(keys)
    application = project.application
    on_file = {APPLICANT: (application.applicant_email, application.applicant_name)}
    if keys - {APPLICANT}:  # the accounts are read only when someone else's data changes
        on_file |= {
            username: (user.email, user.display_name)
            for username, user in project_accounts(project).items()
            if username in keys
        }
    return on_file


def _labels(request: ChangeRequest, items: Sequence[ChangeItem]) -> tuple[str, ...]:
    with translation.override(request.language):
        return tuple(str(spec.label) if (spec := item_spec(item.field)) else item.field for item in items)
