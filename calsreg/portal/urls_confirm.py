"""The orderer supervisor's confirmation page, behind the link in the confirmation mail."""

from django.urls import path

from calsreg.portal.views import confirm

urlpatterns = [
    # The token is the only input that names the request: no application id is ever taken from the
    # client (security invariant 3).
    path("confirm/<str:token>/", confirm.confirm, name="confirm"),
]
