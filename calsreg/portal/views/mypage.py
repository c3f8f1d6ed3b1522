"""The account holders' my page: sign in and out, projects and account details, passwords.

Contractor users and orderer supervisors only; staff sign in at the desk. Until the initial password
is changed, every page but the change page leads to it (issue 3, item 6). An account that stops
being usable meanwhile is signed out by ``accounts.middleware.AccountStillUsableMiddleware``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from calsreg.accounts.backends import login_refusal_of
from calsreg.accounts.models import MembershipRole, User
from calsreg.accounts.selectors import account_projects
from calsreg.accounts.services import (
    account_actor,
    account_login_refusal,
    account_password_change,
    account_password_reset_ask,
    account_password_reset_check,
    account_password_reset_complete,
)
from calsreg.billing.pdf.receipt import receipt_pdf_bytes, receipt_print_from
from calsreg.billing.selectors import invoice_document_of_account, invoices_of_account, receipt_of_account
from calsreg.core import clock
from calsreg.core.errors import DomainError, NotFound, ValidationFailed
from calsreg.core.ratelimit import Scope
from calsreg.portal.forms_account import (
    PasswordChangeForm,
    PasswordResetRequestForm,
    PasswordResetSetForm,
    PortalAuthenticationForm,
    password_rules,
)
from calsreg.portal.throttle import public_form_limited
from calsreg.sso.services import authorization_refusal_at_login_record

View = Callable[..., HttpResponse]


def account_holder_required(*, password_change_page: bool = False) -> Callable[[View], View]:
    """Signed-in account holders only; until the initial password is changed, only the change page."""

    def decorate(view: View) -> View:
        @wraps(view)
        @never_cache
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("portal:login"))
            if not getattr(user, "is_account_holder", False):
                # A desk session stays open: staff just cannot use the account holders' pages.
                context = {"message": account_login_refusal(user=user)}  # type: ignore[arg-type]
                return render(request, "portal/mypage/staff_refused.html", context, status=403)
            if getattr(user, "must_change_password", False) and not password_change_page:
                return redirect("portal:password_change")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _account(request: HttpRequest) -> User:
    """The signed-in account holder (``account_holder_required`` has made sure there is one)."""
    return cast(User, request.user)


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/mypage/login.html"
    authentication_form = PortalAuthenticationForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Only an account holder's session skips the form (a desk session would loop through my page);
        # it goes on to a safe ``next`` (e.g. the OpenID Connect authorization it came from).
        if getattr(request.user, "is_account_holder", False):
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        return reverse("portal:mypage")

    def form_invalid(self, form: Any) -> HttpResponse:
        # A right password the login rule refused, on the way to a relying party: audited there.
        refusal = login_refusal_of(self.request)
        if refusal is not None:
            authorization_refusal_at_login_record(
                next_url=self.get_redirect_url(),
                account_id=str(form.data.get("username", "")),
                description=refusal,
            )
        return super().form_invalid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs) | {"help_desk_email": settings.HELP_DESK_EMAIL}


class PortalLogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView), so a link or an image cannot sign anyone out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("ログアウトしました。"))
        return response

    def get_default_redirect_url(self) -> str:
        return reverse("portal:login")


@require_GET
@account_holder_required()
def mypage(request: HttpRequest) -> HttpResponse:
    user = _account(request)
    roles = dict(MembershipRole.choices)
    # ``member_role`` is annotated by the selector: the holder's role in each project.
    projects = [
        (project, roles.get(getattr(project, "member_role", ""), ""))
        for project in account_projects(user=user)
    ]
    invoices = list(invoices_of_account(user=user))
    return render(
        request,
        "portal/mypage/home.html",
        {"projects": projects, "account": user, "invoices": invoices, "today": clock.today()},
    )


@require_GET
@account_holder_required()
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF of one of the holder's own invoices; any other invoice is 404, as if it did not exist."""
    try:
        document = invoice_document_of_account(user=_account(request), invoice_id=pk)
    except NotFound as missing:
        raise Http404(missing.message) from missing
    return FileResponse(  # type: ignore[return-value]  # a streaming response, served like any other
        document.file.open("rb"),
        content_type="application/pdf",
        filename=document.file.name.rsplit("/", 1)[-1],
    )


@require_GET
@account_holder_required()
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt (領収書) of one of the holder's own paid invoices; any other invoice is 404."""
    try:
        invoice, received, received_on = receipt_of_account(user=_account(request), invoice_id=pk)
    except NotFound as missing:
        raise Http404(missing.message) from missing
    doc = receipt_print_from(
        invoice=invoice, received=received, received_on=received_on, issued_on=clock.today()
    )
    response = HttpResponse(receipt_pdf_bytes(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{invoice.number}.pdf"'
    return response


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
@account_holder_required(password_change_page=True)
def password_change(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    next_url = _safe_next(request)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = account_password_change(
                user=account,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                actor=account_actor(user=account),
            )
        except ValidationFailed as failure:
            form.add_service_errors(failure.errors)
        except DomainError as error:  # the initial password expired: only "forgot password" helps
            refusal = error.message
        else:
            update_session_auth_hash(request, user)  # stay signed in with the new password
            messages.success(request, _("パスワードを変更しました。"))
            # A forced change on the way to a relying party's sign-in continues it (sso.views).
            return redirect(next_url or "portal:mypage")
    context = {
        "form": form,
        "refusal": refusal,
        "rules": password_rules(),
        "forced": account.must_change_password,
        "next": next_url,
    }
    return render(request, "portal/mypage/password_change.html", context)


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` of the request if it stays on this site, else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@require_http_methods(["GET", "POST"])
@public_form_limited(Scope.PASSWORD_RESET)
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # The same answer, after the same work, whether or not the pair matches: the page tells nobody
        # which IDs exist (the worker matches it and mails the link).
        account_password_reset_ask(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            language=translation.get_language() or "ja",
        )
        return redirect("portal:password_reset_sent")
    return render(request, "portal/mypage/password_reset.html", {"form": form})


@require_GET
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/mypage/password_reset_sent.html",
        {"help_desk_email": settings.HELP_DESK_EMAIL, "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
    )


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        account = account_password_reset_check(uidb64=uidb64, token=token)
    except DomainError as error:
        return _reset_link_refused(request, error)
    form = PasswordResetSetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account_password_reset_complete(
                uidb64=uidb64, token=token, new_password=form.cleaned_data["new_password1"]
            )
        except ValidationFailed as failure:  # the link stays usable: fix the password and send again
            form.add_service_errors(failure.errors)
        except DomainError as error:
            return _reset_link_refused(request, error)
        else:
            return redirect("portal:password_reset_complete")
    context = {"form": form, "rules": password_rules(), "account_id": account.get_username()}
    return render(request, "portal/mypage/password_reset_confirm.html", context)


@require_GET
def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/mypage/password_reset_complete.html")


def _reset_link_refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    context = {"message": error.message, "help_desk_email": settings.HELP_DESK_EMAIL}
    return render(request, "portal/mypage/password_reset_refused.html", context, status=404)
