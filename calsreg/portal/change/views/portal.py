"""The portal's change request without sign-in: the number, the requester and generic item rows.
Nothing of the registration is shown, and the validator's findings that depend on it are not told
(``registration_hidden`` in ``changes.validation``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from calsreg.changes.models import ChangeChannel
from calsreg.changes.selectors import (
    project_by_reference,
)
from calsreg.changes.services import change_request_submit
from calsreg.core.errors import DomainError, FieldError, ValidationFailed
from calsreg.core.files import StorageFailed
from calsreg.core.ratelimit import Scope
from calsreg.core.width import to_half_width
from calsreg.directory.selectors import offices_with_supervisors
from calsreg.portal.change import forms
from calsreg.portal.change.views.common import (
    ADD_ROW_ACTION,
    anonymous_actor,
    language,
    receipt_remember,
    reference_problem,
)
from calsreg.portal.throttle import public_form_limited
from calsreg.portal.views.storage import storage_refused

# --- the portal (no sign-in) ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@public_form_limited(Scope.CHANGE_REQUEST)
def portal_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_portal(request, post=None)
    action = request.POST.get("action", "")
    if action == ADD_ROW_ACTION:
        return _render_portal(request, post=request.POST, add_row=1)
    filing = forms.portal_filing(request.POST)
    reference = to_half_width(request.POST.get("reference", "")).strip()
    problem = reference_problem(reference)
    if problem is not None:
        missing = FieldError(field="reference", label=_("受付番号または工事番号"), message=problem)
        return _render_portal(request, post=request.POST, errors=[missing], anchors=filing.anchors)
    project = project_by_reference(reference=reference)
    if project is None:
        return _render_portal(request, post=request.POST, anchors=filing.anchors, not_found=True)
    try:
        change = change_request_submit(
            project=project,
            raw=filing.raw,
            channel=ChangeChannel.PORTAL,
            actor=anonymous_actor(filing.raw),
            language=language(),
            registration_hidden=True,  # nothing in an error may confirm a guess about the registration
        )
    except ValidationFailed as failure:
        return _render_portal(request, post=request.POST, errors=failure.errors, anchors=filing.anchors)
    except StorageFailed:
        return storage_refused(request)
    except DomainError:
        # A closed project: the same answer as for no project at all.
        return _render_portal(request, post=request.POST, anchors=filing.anchors, not_found=True)
    receipt_remember(request.session, change, reference)
    return redirect("portal:change_receipt", number=change.number)


def portal_form_reshown(request: HttpRequest) -> HttpResponse:
    """The form re-shown with what was POSTed, unsent (the CSRF failure page of views/errors.py)."""
    return _render_portal(request, post=request.POST)


def _render_portal(
    request: HttpRequest,
    *,
    post: Any,
    errors: list[FieldError] | None = None,
    anchors: list[dict[str, str]] | None = None,
    not_found: bool = False,
    add_row: int = 0,
) -> HttpResponse:
    errors, anchors = errors or [], anchors or []
    by_input = forms.errors_by_input(errors, anchors)
    count = forms.item_row_count(post, add=add_row) if post is not None else forms.INITIAL_ITEM_ROWS
    context = {
        "reference": to_half_width(post.get("reference", "")).strip() if post is not None else "",
        "reference_errors": by_input.get("reference", []),
        "requester": forms.requester_inputs(initial={}, post=post, by_input=by_input),
        "reason": forms.reason_input(post=post, by_input=by_input),
        "rows": forms.portal_rows(
            count=count, offices=list(offices_with_supervisors()), post=post, by_input=by_input
        ),
        "row_count": count,
        "can_add_row": count < forms.MAX_ITEM_ROWS,
        "role_choices": forms.role_choices(),
        "error_links": forms.error_links(errors, anchors),
        "items_errors": by_input.get(forms.ITEMS_ANCHOR, []),
        "not_found": not_found,
        "login_url": reverse("portal:login"),
    }
    status = 422 if errors or not_found else 200
    return render(request, "portal/change/portal_form.html", context, status=status)
