"""How the desk's POST views report back: form errors and service refusals become page messages.

A view parses its form, calls one service through ``run_service`` and redirects; every refusal
(``DomainError``) is shown to the operator instead of the success message, field by field for a
``ValidationFailed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from calsreg.core.errors import DomainError, ValidationFailed

T = TypeVar("T")


def form_errors_as_messages(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else str(message))


def refusal_as_messages(request: HttpRequest, refusal: DomainError) -> None:
    if isinstance(refusal, ValidationFailed):
        for error in refusal.errors:
            messages.error(request, f"{error.label}: {error.message}" if error.label else error.message)
    else:
        messages.error(request, refusal.message)


def run_service(request: HttpRequest, action: Callable[[], T], success: str | Callable[[T], str]) -> T | None:
    """Call the one service; its refusal becomes the page message and nothing else happens."""
    try:
        result = action()
    except DomainError as refusal:
        refusal_as_messages(request, refusal)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return result
