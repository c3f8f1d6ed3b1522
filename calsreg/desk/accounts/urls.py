"""Pages about one account."""

from django.urls import path

from calsreg.desk.accounts import views

urlpatterns = [
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
]
