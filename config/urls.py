from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("desk/", include("calsreg.desk.urls")),
    path("api/", include("calsreg.api.urls")),
    # The OpenID Connect provider: /.well-known/openid-configuration, /.well-known/jwks.json, /oidc/…
    path("", include("calsreg.sso.urls")),
    path("", include("calsreg.portal.urls")),
]
