"""The web form's POST body for a valid application, built from the shared valid payload."""

from __future__ import annotations

from typing import Any

from calsreg.applications.schema import FIELDS
from calsreg.directory.models import OrdererOffice, Supervisor
from calsreg.portal.webform import TERMS_ACCEPTED_VALUE, user_input_name
from tests.factories import valid_payload


def form_post(
    *,
    for_office: OrdererOffice,
    supervisors: list[Supervisor],
    users: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """What a browser posts for ``valid_payload``: users as ``users-N-key`` inputs, checkboxes as lists.

    ``fields`` override single inputs (``supervisor_ids``, ``terms_accepted`` too); ``None`` leaves
    the input out of the body, as a browser does for an unchecked checkbox.
    """
    raw = valid_payload(office=for_office, supervisors=supervisors)
    body: dict[str, Any] = {spec.key: raw[spec.key] for spec in FIELDS}
    body["supervisor_ids"] = [str(pk) for pk in raw["supervisor_ids"]]
    body["terms_accepted"] = TERMS_ACCEPTED_VALUE
    rows = raw["users"] if users is None else users
    for row in rows:
        for key, value in row.items():
            if key != "position":
                body[user_input_name(row["position"], key)] = value
    body["user_rows"] = str(max([3, *(row["position"] for row in rows)]))
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}
