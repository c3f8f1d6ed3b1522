"""Serving a kept file (an application's or a change request's), the one rule for both: a file that
no longer verifies against its checksum is shown as a warning first, and served only when the
operator acknowledges it, for investigation; every copy taken is audited by ``record``."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from calsreg.records.models import Evidence
from calsreg.records.selectors import EvidenceCopy


def evidence_served(
    request: HttpRequest,
    *,
    evidence: Evidence,
    copy: EvidenceCopy,
    record: Callable[[], None],
    warning: dict[str, Any],
) -> HttpResponseBase:
    """The file as stored, or the warning page (``warning``: crumbs, back_url, back_label, download_url)."""
    if copy.content is None or (not copy.intact and request.GET.get("acknowledge") != "1"):
        status = 404 if copy.content is None else 409
        context = {"evidence": evidence, "copy": copy, **warning}
        return render(request, "desk/evidence_warning.html", context, status=status)
    record()
    return FileResponse(
        io.BytesIO(copy.content),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type or "application/octet-stream",
    )
