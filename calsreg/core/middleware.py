"""Requests whose path holds a character the text cleaner refuses (``core.text``) name nothing.

Form fields and API bodies are checked field by field; a path parameter (a receipt number in
``/api/staff/applications/<number>``) is not a field, and a NUL in it would reach a query and fail
on PostgreSQL with a server error. Such a path is answered "not found" before any view runs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound

from calsreg.core.text import refused_character


class RefusedPathCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if refused_character(request.path) is not None:
            return HttpResponseNotFound("Not Found", content_type="text/plain; charset=utf-8")
        return self.get_response(request)
