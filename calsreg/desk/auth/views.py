"""Sign-in and sign-out of desk staff (django-axes locks an ID out after repeated failures)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.desk.auth.forms import DeskAuthenticationForm


class DeskLoginView(auth_views.LoginView):
    template_name = "desk/login.html"
    authentication_form = DeskAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # A billing agent may not open the application queue (role separation): send it to billing.
        if getattr(self.request.user, "role", None) == Role.BILLING_AGENT:
            return reverse("desk:billing_invoices")
        return reverse("desk:queue")


class DeskLogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView), so a link or an image tag cannot sign staff out."""

    def get_default_redirect_url(self) -> str:
        return reverse("desk:login")
