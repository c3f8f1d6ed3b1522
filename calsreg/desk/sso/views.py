"""Relying parties at the desk: the list, a party's deliveries and re-sending them (help desk and
administrators); registering a party and rotating its secret (administrators only).

A secret is in clear only in the response to the POST that made it (never stored in the session,
never shown on a later page), and that response is not cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from calsreg.core.errors import DomainError, ValidationFailed
from calsreg.desk.feedback import form_errors_as_messages, run_service
from calsreg.desk.permissions import desk_admin_required, desk_staff_required, is_desk_admin
from calsreg.desk.sso import selectors
from calsreg.desk.sso.forms import DeliveryFilterForm, PartyRegisterForm, ResendForm
from calsreg.events.services import webhook_deliveries_resend
from calsreg.records.services import Actor
from calsreg.sso.registration import party_register
from calsreg.sso.services import logout_deliveries_resend, relying_party_secret_rotate

PAGE_SIZE = 25


def _row_or_404(pk: int) -> selectors.PartyRow:
    row = selectors.party_row(pk=pk)
    if row is None:
        raise Http404(_("連携先が見つかりません。"))
    return row


def _once(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def _page_links(request: HttpRequest, page: Page | None, param: str) -> dict[str, str]:
    """The previous and next page of one of the two logs, keeping the filter and the other's page."""
    links = {}
    if page is not None and page.has_previous():
        links["previous"] = _with(request, param, page.previous_page_number())
    if page is not None and page.has_next():
        links["next"] = _with(request, param, page.next_page_number())
    return links


def _with(request: HttpRequest, param: str, number: int) -> str:
    query = request.GET.copy()
    query[param] = str(number)
    return f"?{query.urlencode()}"


@desk_staff_required
def party_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/sso/party_list.html",
        {"rows": selectors.party_rows(), "can_administer": is_desk_admin(request.user)},
    )


@desk_staff_required
def party_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row_or_404(pk)
    form = DeliveryFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    webhook_page = None
    if row.subscriber is not None:
        webhooks = selectors.webhook_deliveries(subscriber=row.subscriber, status=status)
        webhook_page = Paginator(webhooks, PAGE_SIZE).get_page(request.GET.get("webhook_page"))
    logouts = selectors.logout_deliveries(party=row.party, status=status)
    logout_page = Paginator(logouts, PAGE_SIZE).get_page(request.GET.get("logout_page"))
    return render(
        request,
        "desk/sso/party_detail.html",
        {
            "row": row,
            "form": form,
            "status": status,
            "webhook_page": webhook_page,
            "logout_page": logout_page,
            "webhook_nav": _page_links(request, webhook_page, "webhook_page"),
            "logout_nav": _page_links(request, logout_page, "logout_page"),
            "can_administer": is_desk_admin(request.user),
        },
    )


@desk_staff_required
@require_POST
def deliveries_resend(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row_or_404(pk)
    form = ResendForm(
        request.POST,
        querysets={
            "webhook": selectors.webhook_deliveries(subscriber=row.subscriber, status=""),
            "logout": selectors.logout_deliveries(party=row.party, status=""),
        },
    )
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("desk:sso_party", pk=pk)
    chosen = list(form.cleaned_data["deliveries"])
    if not form.cleaned_data["confirmed"]:
        return render(request, "desk/sso/resend_confirm.html", {"row": row, "form": form, "chosen": chosen})
    resend = webhook_deliveries_resend if form.cleaned_data["kind"] == "webhook" else logout_deliveries_resend
    run_service(
        request,
        lambda: resend(delivery_ids=[d.pk for d in chosen], actor=Actor.staff(request.user)),
        lambda count: _("%(count)s件を送信待ちに戻しました。まもなく送信します。") % {"count": count},
    )
    return redirect("desk:sso_party", pk=pk)


@desk_admin_required
@require_http_methods(["GET", "POST"])
def party_register_view(request: HttpRequest) -> HttpResponse:
    form = PartyRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = party_register(
                arguments=form.service_arguments(),
                webhook_url=form.cleaned_data["webhook_url"],
                actor=Actor.staff(request.user),
            )
        except ValidationFailed as refused:
            form.add_refusals(refused.errors)
        else:
            return _once(render(request, "desk/sso/party_registered.html", {"made": made}))
    return render(request, "desk/sso/party_register.html", {"form": form}, status=422 if form.errors else 200)


@desk_admin_required
@require_http_methods(["GET", "POST"])
def party_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row_or_404(pk)
    if request.method == "POST":
        try:
            secret = relying_party_secret_rotate(
                client_id=row.party.client_id, actor=Actor.staff(request.user)
            )
        except DomainError as refused:
            messages.error(request, refused.message)
            return redirect("desk:sso_party", pk=pk)
        return _once(render(request, "desk/sso/party_rotated.html", {"row": row, "secret": secret}))
    return render(request, "desk/sso/party_rotate.html", {"row": row})
