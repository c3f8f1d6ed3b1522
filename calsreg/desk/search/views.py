"""The search box's results page (GET /desk/search/?q=…)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from calsreg.desk.search.links import row_url, with_urls
from calsreg.desk.search.selectors import desk_search, sees_personal_data

MAX_QUERY_LENGTH = 100


def _staff_required(view: Any) -> Any:
    """Help desk, administrators and the billing agent (who finds projects only); others → 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not getattr(request.user, "is_staff_member", False):
            return render(request, "desk/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@_staff_required
def search(request: HttpRequest) -> HttpResponseBase:
    raw = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    results = desk_search(raw=raw, viewer=request.user)
    if results.exact is not None:
        return redirect(row_url(results.exact))
    with_urls(results)
    return render(
        request,
        "desk/search/results.html",
        {
            "results": results,
            "q": raw,
            "personal": sees_personal_data(request.user),
        },
    )
