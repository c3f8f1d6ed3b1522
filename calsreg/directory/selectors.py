"""Reads of the directory: the offices an application can name, and whom to ask for confirmation."""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from calsreg.core.errors import FieldError, ValidationFailed
from calsreg.core.width import strip_spaces, to_half_width
from calsreg.directory.models import OrdererOffice, Supervisor, SupervisorTitle

# Most senior first: the order in which a desk operator would look for someone to confirm.
_TITLE_RANK = Case(
    When(title=SupervisorTitle.GENERAL_SUPERVISOR, then=Value(0)),
    When(title=SupervisorTitle.CHIEF_SUPERVISOR, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def offices_active() -> QuerySet[OrdererOffice]:
    """Active offices, by code, with their organisation (for drop-downs and the workbook's list)."""
    return OrdererOffice.objects.filter(active=True).select_related("organisation").order_by("code")


def supervisors_of_office(*, office: OrdererOffice) -> QuerySet[Supervisor]:
    """The active supervisors of ``office``, general supervisor first, then chief, then by code."""
    return Supervisor.objects.filter(office=office, active=True).order_by(_TITLE_RANK, "code")


def supervisors_named(*, office: OrdererOffice, names: list[str]) -> list[Supervisor]:
    """The active supervisors of ``office`` whose name is one of ``names``, compared without spaces or
    width differences (佐藤　健一 = 佐藤健一). Never anyone of another office: a name is not a contact."""
    wanted = {_name_key(name) for name in names} - {""}
    if not wanted:
        return []
    return [s for s in supervisors_of_office(office=office) if _name_key(s.name) in wanted]


def _name_key(name: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", name or ""))


def office_by_code_or_name(value: str) -> OrdererOffice | None:
    """The active office whose code or name is exactly ``value`` (surrounding spaces ignored), else None.

    The web form and the API send the code; the workbook stores the name chosen from its drop-down.
    The code is tried first: codes are half-width ASCII, so a full-width code typed by hand still matches.
    """
    text = strip_spaces(value or "")
    if not text:
        return None
    code = to_half_width(text)
    matches = list(offices_active().filter(Q(code=code) | Q(name=text)))
    return next((office for office in matches if office.code == code), matches[0] if matches else None)


def offices_with_supervisors() -> QuerySet[OrdererOffice]:
    """Active offices, each with its active supervisors by code (two queries in all)."""
    return offices_active().prefetch_related(
        Prefetch("supervisors", queryset=Supervisor.objects.filter(active=True).order_by("code"))
    )


def office_id_by_code(*, code: str) -> int:
    """The id of the office with ``code`` (active or not, for the staff queue); raises ``ValidationFailed``."""
    found = OrdererOffice.objects.filter(code=code.strip()).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="office",
                    label=_("発注事務所"),
                    message=_("その事務所コードの発注事務所はありません。"),
                )
            ]
        )
    return found
