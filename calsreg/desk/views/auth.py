"""Sign-in and sign-out of desk staff (django-axes locks an ID out after repeated failures)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from calsreg.desk.forms import DeskAuthenticationForm


class DeskLoginView(auth_views.LoginView):
    template_name = "desk/login.html"
    authentication_form = DeskAuthenticationForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("desk:queue")


class DeskLogoutView(auth_views.LogoutView):
    # Django's LogoutView accepts POST only, so a link or an image tag cannot sign staff out.
    next_page = reverse_lazy("desk:login")
