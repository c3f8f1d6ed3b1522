"""django-oauth-toolkit's models, read-only in the admin (invariant 7): relying parties are registered
and their secrets rotated through ``sso.services`` (audited), tokens are issued by the provider."""

from __future__ import annotations

from django.contrib import admin
from oauth2_provider import admin as dot_admin
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from calsreg.core.admin import ReadOnlyAdminMixin

READ_ONLY = {
    Application: dot_admin.ApplicationAdmin,
    AccessToken: dot_admin.AccessTokenAdmin,
    Grant: dot_admin.GrantAdmin,
    IDToken: dot_admin.IDTokenAdmin,
    RefreshToken: dot_admin.RefreshTokenAdmin,
}

for model, base in READ_ONLY.items():
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(f"ReadOnly{base.__name__}", (ReadOnlyAdminMixin, base), {}))
