"""File responses of the portal: an attachment whose Japanese name survives every browser."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse


def attachment_response(*, content: bytes, filename: str, fallback: str, content_type: str) -> HttpResponse:
    """``filename*`` (RFC 5987/6266) carries the Japanese name; ``filename`` is an ASCII fallback
    for old clients that would otherwise show mojibake."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["Content-Length"] = str(len(content))
    return response
