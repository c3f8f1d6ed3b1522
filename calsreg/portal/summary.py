"""What an application says, as label/text pairs: the confirmation page before sending and the PDF
copy after it show the same thing, built here once from the schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from calsreg.applications.models import Application, UserRole
from calsreg.applications.schema import SECTION_LABELS, USER_FIELDS, FieldSpec, Kind, Section, fields_in
from calsreg.applications.validation import ApplicationData
from calsreg.core.templatetags.jdate import jdate
from calsreg.directory.models import OrdererOffice, Supervisor

# The sections of plain fields, in the form's order (users and supervisors are lists of their own).
_FIELD_SECTIONS = (Section.PROJECT, Section.CONTRACTOR, Section.APPLICANT, Section.BILLING)


@dataclass(frozen=True)
class Summary:
    sections: list[tuple[str, list[tuple[str, str]]]]
    users: list[list[tuple[str, str]]]
    supervisors: list[str]

    @property
    def users_title(self) -> str:
        return str(SECTION_LABELS[Section.USERS])

    @property
    def supervisors_title(self) -> str:
        return str(SECTION_LABELS[Section.SUPERVISORS])


def summary_of_data(data: ApplicationData) -> Summary:
    """The summary of a validated form, before it is sent."""
    return _summary(values=data.values, office=data.office, users=data.users, supervisors=data.supervisors)


def summary_of_application(application: Application) -> Summary:
    """The summary of a stored application (what was sent)."""
    users = [{spec.key: getattr(user, spec.key) for spec in USER_FIELDS} for user in application.users.all()]
    return _summary(
        values={
            spec.key: getattr(application, spec.key, "") for s in _FIELD_SECTIONS for spec in fields_in(s)
        },
        office=application.office,
        users=users,
        supervisors=list(application.supervisors.all()),
    )


def _summary(
    *,
    values: Mapping[str, Any],
    office: OrdererOffice,
    users: Iterable[Mapping[str, Any]],
    supervisors: Iterable[Supervisor],
) -> Summary:
    sections = [
        (
            str(SECTION_LABELS[section]),
            [
                (
                    str(spec.label),
                    _text(spec, office.name if spec.kind == Kind.OFFICE else values.get(spec.key)),
                )
                for spec in fields_in(section)
            ],
        )
        for section in _FIELD_SECTIONS
    ]
    return Summary(
        sections=sections,
        users=[
            [(str(spec.label), _text(spec, user.get(spec.key))) for spec in USER_FIELDS] for user in users
        ],
        supervisors=[f"{s.name}（{s.get_title_display()}）" for s in supervisors],
    )


def _text(spec: FieldSpec, value: Any) -> str:
    if value is None or value == "":
        return _("（なし）")
    if spec.kind == Kind.DATE and isinstance(value, date):
        return jdate(value)
    if spec.kind == Kind.AMOUNT:
        return _("%(amount)s円") % {"amount": f"{int(value):,}"}
    if spec.kind == Kind.USER_ROLE:
        return str(UserRole(value).label)
    return str(value)
