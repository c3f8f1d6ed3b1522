from django.contrib import admin
from django.urls import include, path

from calsreg.core import health_views, metrics

urlpatterns = [
    # Operator endpoints: liveness, readiness, Prometheus metrics (docs/ops/observability.md).
    path("health/live", health_views.live, name="health_live"),
    path("health/ready", health_views.ready, name="health_ready"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("desk/", include("calsreg.desk.urls")),
    path("api/", include("calsreg.api.urls")),
    # The OpenID Connect provider: /.well-known/openid-configuration, /.well-known/jwks.json, /oidc/…
    path("", include("calsreg.sso.urls")),
    path("", include("calsreg.portal.urls")),
]
