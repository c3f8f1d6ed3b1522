"""The portal URLs the accounts app links to, for tests (the portal's own pages come later)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def _page(request: HttpRequest, *args: str, **kwargs: str) -> HttpResponse:
    return HttpResponse("page")


portal_patterns = [
    path("mypage/", _page, name="mypage"),
    path("mypage/login/", _page, name="login"),
    path("mypage/password-reset/<str:uidb64>/<str:token>/", _page, name="password_reset_confirm"),
]

urlpatterns = [path("", include((portal_patterns, "portal")))]
