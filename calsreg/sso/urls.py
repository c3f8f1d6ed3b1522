"""The provider's endpoints. The namespace is django-oauth-toolkit's (its discovery view reverses
``oauth2_provider:<name>``); discovery sits at the site root, so the issuer is the site's address."""

from django.urls import path

from calsreg.sso import views

app_name = "oauth2_provider"

urlpatterns = [
    path(
        ".well-known/openid-configuration", views.DiscoveryView.as_view(), name="oidc-connect-discovery-info"
    ),
    path(".well-known/jwks.json", views.JwksView.as_view(), name="jwks-info"),
    path("oidc/authorize/", views.AuthorizeView.as_view(), name="authorize"),
    path("oidc/token/", views.TokenView.as_view(), name="token"),
    path("oidc/revoke/", views.RevokeTokenView.as_view(), name="revoke-token"),
    path("oidc/introspect/", views.IntrospectView.as_view(), name="introspect"),
    path("oidc/userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path("oidc/logout/", views.LogoutView.as_view(), name="rp-initiated-logout"),
]
