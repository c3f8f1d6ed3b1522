"""One error hierarchy whose messages are safe to show to users.

Only the interface layer (portal, desk, api) turns these into a page message or an HTTP 4xx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class DomainError(Exception):
    """A refusal by a business rule. ``message`` is safe to show (already translated)."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: Any = "", **context: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.context = context


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403


class InvalidTransition(DomainError):
    code = "invalid_transition"
    http_status = 409


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


@dataclass(frozen=True)
class FieldError:
    """One problem with one field. ``field`` is a path such as ``users[2].requested_id``."""

    field: str
    message: str
    label: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "label": self.label, "message": self.message}


@dataclass
class ValidationFailed(DomainError):
    """Input refused as a whole; every problem found is listed (not only the first)."""

    errors: list[FieldError] = field(default_factory=list)

    code = "validation_failed"
    http_status = 422

    def __post_init__(self) -> None:
        summary = "; ".join(f"{e.label or e.field}: {e.message}" for e in self.errors)
        DomainError.__init__(self, summary)

    def __str__(self) -> str:
        return self.message


class UploadRefused(DomainError):
    """An uploaded file that cannot be read as the expected document; ``message`` says why."""

    code = "upload_refused"
    http_status = 422
