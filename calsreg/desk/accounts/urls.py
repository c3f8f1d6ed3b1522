"""Pages about one account, and the desk's actions on it."""

from django.urls import path

from calsreg.desk.accounts import actions, views

urlpatterns = [
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/<slug:action>/", actions.account_action, name="account_action"),
]
