"""Single sign-on at the desk: relying parties, their deliveries, registration and rotation."""

from django.urls import path

from calsreg.desk.sso import views

urlpatterns = [
    path("sso/", views.party_list, name="sso_parties"),
    path("sso/register/", views.party_register_view, name="sso_party_register"),
    path("sso/<int:pk>/", views.party_detail, name="sso_party"),
    path("sso/<int:pk>/resend/", views.deliveries_resend, name="sso_deliveries_resend"),
    path("sso/<int:pk>/rotate/", views.party_rotate, name="sso_party_rotate"),
]
