"""Change requests: what the views share — the language, the holder's project, the receipt page."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from calsreg.accounts.models import Project, User
from calsreg.changes.catalog import ITEMS
from calsreg.changes.models import ChangeRequest
from calsreg.changes.selectors import (
    change_request_by_number,
    projects_for_filing,
    request_fee_impact,
)
from calsreg.core.errors import NotFound
from calsreg.core.text import text_refusal
from calsreg.records.services import Actor

SESSION_CHANGES = "portal_change_receipts"
SESSION_CHANGES_KEPT = 10
UPLOAD_FIELD = "workbook"
PREVIEW_ACTION, ADD_PERSON_ACTION, ADD_ROW_ACTION = "preview", "add_person", "add_row"


def language() -> str:
    """The page's language for the request's notices (ja or en)."""
    code = translation.get_language() or settings.LANGUAGE_CODE
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def account_of(request: HttpRequest) -> User:
    return cast(User, request.user)


def filing_project(request: HttpRequest, project_id: int) -> Project:
    """One of the holder's own projects open for filing; any other is 404, as if it did not exist."""
    project = (
        projects_for_filing(user=account_of(request))
        .select_related("application")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise Http404
    return project


def receipt_remember(session: SessionBase, request: ChangeRequest, reference: str) -> None:
    """The receipt page is shown only to the session that filed (``reference`` as typed, or "")."""
    kept = dict(session.get(SESSION_CHANGES, {}))
    kept[request.number] = reference
    session[SESSION_CHANGES] = dict(list(kept.items())[-SESSION_CHANGES_KEPT:])


def reference_problem(reference: str) -> str | None:
    """Why the typed receipt or project number cannot be looked up (empty, or a refused character)."""
    label = _("受付番号または工事番号")
    if not reference:
        return _("「受付番号または工事番号」を入力してください。")
    return text_refusal(reference, label=label)


def anonymous_actor(raw: dict[str, Any]) -> Actor:
    return Actor.applicant(str(raw.get("requester_email") or "").strip() or "anonymous")


# --- the receipt ----------------------------------------------------------------------------------


@require_GET
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """Only for the session that filed; the portal's shows nothing of the registration."""
    kept = request.session.get(SESSION_CHANGES, {})
    if number not in kept:
        raise Http404
    try:
        change = change_request_by_number(number=number)
    except NotFound as missing:
        raise Http404 from missing
    signed_in = change.filed_by_id is not None and change.filed_by_id == request.user.pk
    context = {
        "change": change,
        "signed_in": signed_in,
        "reference": kept[number],
        "items": [str(ITEMS[item.field].label) for item in change.items.all() if item.field in ITEMS],
        "fee": request_fee_impact(change) if signed_in else None,
    }
    return render(request, "portal/change/receipt.html", context)
