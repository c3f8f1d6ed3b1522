"""Change requests on my page: the list of the holder's projects and requests, the web form and its fee
impact (htmx, and without JavaScript on 「確認」)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from calsreg.accounts.models import Project
from calsreg.accounts.services import account_actor
from calsreg.applications.schema import FIELDS_BY_KEY, USER_FIELDS
from calsreg.applications.validation import FieldCollector, clean_value
from calsreg.changes.models import ChangeChannel
from calsreg.changes.selectors import (
    change_requests_of_account,
    person_choices,
    project_fee_impact,
    project_supervisors_on_file,
    project_users_on_file,
    projects_for_filing,
    supervisors_to_add,
)
from calsreg.changes.services import change_request_submit
from calsreg.core.errors import DomainError, FieldError, ValidationFailed
from calsreg.core.files import StorageFailed
from calsreg.portal.change import forms
from calsreg.portal.change.views.common import (
    ADD_PERSON_ACTION,
    PREVIEW_ACTION,
    account_of,
    filing_project,
    language,
    receipt_remember,
)
from calsreg.portal.views.mypage import account_holder_required
from calsreg.portal.views.storage import storage_refused

# --- my page: the list ----------------------------------------------------------------------------


@require_GET
@account_holder_required()
def index(request: HttpRequest) -> HttpResponse:
    user = account_of(request)
    return render(
        request,
        "portal/change/index.html",
        {
            "projects": list(projects_for_filing(user=user)),
            "requests": list(change_requests_of_account(user=user)),
        },
    )


# --- my page: the web form ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@account_holder_required()
def mypage_form(request: HttpRequest, project_id: int) -> HttpResponse:
    project = filing_project(request, project_id)
    if request.method == "GET":
        return _render_form(request, project=project, post=None)
    users = project_users_on_file(project)
    filing = forms.mypage_filing(request.POST, users=users)
    action = request.POST.get("action", "")
    if action in {PREVIEW_ACTION, ADD_PERSON_ACTION}:
        add = 1 if action == ADD_PERSON_ACTION else 0
        return _render_form(request, project=project, post=request.POST, add_person=add)
    user = account_of(request)
    try:
        change = change_request_submit(
            project=project,
            raw=filing.raw,
            channel=ChangeChannel.MY_PAGE,
            actor=account_actor(user=user),
            filed_by=user,
            language=language(),
        )
    except ValidationFailed as failure:
        errors = forms.relabel(failure.errors, filing.anchors)
        return _render_form(
            request, project=project, post=request.POST, errors=errors, anchors=filing.anchors
        )
    except StorageFailed:
        return storage_refused(request)
    except DomainError as refusal:
        return _render_form(request, project=project, post=request.POST, refusal=refusal.message)
    receipt_remember(request.session, change, "")
    return redirect("portal:change_receipt", number=change.number)


def _render_form(
    request: HttpRequest,
    *,
    project: Project,
    post: Any,
    errors: list[FieldError] | None = None,
    anchors: list[dict[str, str]] | None = None,
    refusal: str = "",
    add_person: int = 0,
) -> HttpResponse:
    errors, anchors = errors or [], anchors or []
    by_input = forms.errors_by_input(errors, anchors)
    user = account_of(request)
    users = project_users_on_file(project)
    current, candidates = project_supervisors_on_file(project), supervisors_to_add(project)
    removals, additions = forms.supervisor_checks(
        current=current, candidates=candidates, post=post, by_input=by_input
    )
    disclosures, deletions = forms.person_checks(
        persons=person_choices(project), post=post, by_input=by_input
    )
    person_count = forms.person_row_count(post, add=add_person) if post is not None else 1
    initial = {
        "requester_name": user.display_name,
        "requester_phone": user.phone,
        "requester_email": user.email,
    }
    context = {
        "project": project,
        "sections": forms.sections(
            project=project, application=project.application, post=post, by_input=by_input
        ),
        "user_blocks": forms.user_blocks(users=users, post=post, by_input=by_input),
        "person_rows": forms.person_rows(count=person_count, users=users, post=post, by_input=by_input),
        "person_count": person_count,
        "person_headers": [str(spec.label) for spec in USER_FIELDS],
        "can_add_person": person_count < forms.MAX_PERSON_ROWS,
        "supervisor_removals": removals,
        "supervisor_additions": additions,
        "end_row": forms.end_row(project=project, post=post, by_input=by_input),
        "disclosures": disclosures,
        "deletions": deletions,
        "requester": forms.requester_inputs(initial=initial, post=post, by_input=by_input),
        "reason": forms.reason_input(post=post, by_input=by_input),
        "error_links": forms.error_links(errors, anchors),
        "items_errors": by_input.get(forms.ITEMS_ANCHOR, []),
        "refusal": refusal,
        "fee": _fee_preview(project, forms.fee_values(post)) if post is not None else None,
    }
    status = 422 if errors or refusal else 200
    return render(request, "portal/change/form.html", context, status=status)


def _fee_preview(project: Project, typed: dict[str, str]) -> dict[str, Any] | None:
    """The fee impact of the period and amount as typed; None when neither is being changed."""
    typed = {key: value for key, value in typed.items() if value}
    if not typed:
        return None
    out = FieldCollector()
    changes: dict[str, Any] = {}
    for key, text in typed.items():
        spec = FIELDS_BY_KEY[key]
        value = clean_value(spec, text, path=key, label=str(spec.label), out=out)
        changes[key] = value.isoformat() if isinstance(value, date) else value
    if out.errors:
        return {"problem": _("工期・請負金額を正しい形式で入力すると、利用料への影響を表示します。")}
    try:
        return {"impact": project_fee_impact(project=project, changes=changes)}
    except ValidationFailed as failure:
        return {"problem": failure.errors[0].message if failure.errors else failure.message}


@require_GET
@account_holder_required()
def fee_preview(request: HttpRequest, project_id: int) -> HttpResponse:
    """htmx partial: the fee impact of the period and amount typed so far."""
    project = filing_project(request, project_id)
    context = {"fee": _fee_preview(project, forms.fee_values(request.GET)), "project": project}
    return render(request, "portal/change/_fee_impact.html", context)
