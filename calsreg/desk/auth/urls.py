"""Sign-in and sign-out of desk staff."""

from django.urls import path

from calsreg.desk.auth import views

urlpatterns = [
    path("login/", views.DeskLoginView.as_view(), name="login"),
    path("logout/", views.DeskLogoutView.as_view(), name="logout"),
]
