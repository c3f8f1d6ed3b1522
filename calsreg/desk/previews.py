"""The desk's confirm step for irreversible actions: a preview page, then the confirmed POST.

The button posts without ``confirmed``: the view renders the owning service's ``*_preview``. The
preview page posts again with ``confirmed=1`` and the preview's token; the service re-checks it and
raises ``PreviewStale`` when it no longer holds, and the operator sees the new preview instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from calsreg.core.errors import DomainError
from calsreg.core.previews import PreviewStale
from calsreg.desk.feedback import refusal_as_messages

T = TypeVar("T")


def preview_then_act(
    request: HttpRequest,
    *,
    preview: Callable[[], Any],
    act: Callable[[str], T],
    template: str,
    context: dict[str, Any],
    back: Callable[[], HttpResponse],
    success: str | Callable[[T], str],
) -> tuple[HttpResponse, T | None]:
    """The whole confirm step of one button: without ``confirmed`` the preview page of
    ``preview()``; with it, ``act(token)`` — or the new preview if the old one went stale. Returns
    the response and the action's result (None unless it was done)."""

    def show() -> HttpResponse:
        return _preview_page(request, compute=preview, template=template, context=context, back=back)

    if request.POST.get("confirmed") != "1":
        return show(), None
    return _confirmed_run(request, act=act, show=show, back=back, success=success)


def _preview_page(
    request: HttpRequest,
    *,
    compute: Callable[[], Any],
    template: str,
    context: dict[str, Any],
    back: Callable[[], HttpResponse],
) -> HttpResponse:
    """The preview of ``compute()`` (the service's ``*_preview``); its refusal goes back as a message."""
    try:
        plan = compute()
    except DomainError as refusal:
        refusal_as_messages(request, refusal)
        return back()
    return render(request, template, {**context, "plan": plan})


def _confirmed_run(
    request: HttpRequest,
    *,
    act: Callable[[str], T],
    show: Callable[[], HttpResponse],
    back: Callable[[], HttpResponse],
    success: str | Callable[[T], str],
) -> tuple[HttpResponse, T | None]:
    """Run the action with the posted token; a stale preview shows the new one, nothing done."""
    try:
        result = act(request.POST.get("preview", ""))
    except PreviewStale as stale:
        messages.warning(request, stale.message)
        return show(), None
    except DomainError as refusal:
        refusal_as_messages(request, refusal)
        return back(), None
    messages.success(request, success(result) if callable(success) else success)
    return back(), result
