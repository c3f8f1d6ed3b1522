"""The site's pages plus one that fails, for the error-reporting test (pytest's ``urls`` marker)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def failing(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"could not handle {request.POST.get('email', '')}")


urlpatterns = [path("fail/", failing, name="fail"), *site_urlpatterns]
