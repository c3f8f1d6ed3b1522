"""Builders for the API tests: payloads as a client sends them, tokens, and a snapshot of what is stored."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from openpyxl import load_workbook

from calsreg.accounts.models import User
from calsreg.accounts.services import api_token_issue
from calsreg.applications.models import Application, ApplicationUser
from calsreg.applications.services import application_submit, submission_as_evidence
from calsreg.applications.validation import validate_application
from calsreg.directory.models import OrdererOffice, Supervisor
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from tests.factories import UserFactory, valid_payload


def api_payload(*, office: OrdererOffice, supervisors: list[Supervisor], **overrides: Any) -> dict[str, Any]:
    """The shared valid payload as the API takes it: users carry no ``position`` (the list order is it)."""
    payload = valid_payload(office=office, supervisors=supervisors, **overrides)
    payload["users"] = [{k: v for k, v in user.items() if k != "position"} for user in payload["users"]]
    return payload


def stored_counts() -> dict[str, int]:
    return {
        "applications": Application.objects.count(),
        "users": ApplicationUser.objects.count(),
        "evidence": Evidence.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "deliveries": Delivery.objects.count(),
    }


NOTHING_STORED = {"applications": 0, "users": 0, "evidence": 0, "audit_events": 0, "deliveries": 0}


def media_files() -> list[str]:
    """Every file in the test's media folder (evidence originals land there), relative paths."""
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def staff_token(*, role: str = "help_desk", user: User | None = None) -> tuple[User, str]:
    """A user of ``role`` with a token issued the normal way; returns the user and the secret."""
    user = user or UserFactory(role=role)
    issued = api_token_issue(user=user, name="テスト連携", actor=Actor.system("test"))
    return user, issued.secret


def application_submitted(
    *, office: OrdererOffice, supervisors: list[Supervisor], **overrides: Any
) -> Application:
    """An application stored through the real validator and submit service (web channel)."""
    raw = valid_payload(office=office, supervisors=supervisors, **overrides)
    data = validate_application(raw, require_directory_supervisors=True)
    return application_submit(
        data=data,
        channel="web",
        actor=Actor.applicant(raw["applicant_email"]),
        originals=[submission_as_evidence(raw=raw, channel="web")],
    )


def workbook_filled(content: bytes, values: dict[str, Any]) -> bytes:
    """``content`` with each defined name's cell set to its value (openpyxl, by defined name only)."""
    workbook = load_workbook(BytesIO(content))
    for name, value in values.items():
        ((sheet, reference),) = workbook.defined_names[name].destinations
        workbook[sheet][reference.replace("$", "")].value = value
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
