"""The interactive docs page (/api/docs), served entirely from this server.

django-ninja renders Swagger UI from its bundled files only when ``ninja`` is an installed app and
otherwise falls back to a CDN template; the machines are offline, so this page uses ninja's bundled
Swagger UI files, served by ``docs_asset`` below, whatever the settings say.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

NINJA_STATIC_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
# Only these files are served: no path from the URL ever reaches the file system.
DOCS_ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.svg", "favicon.png"}
)
ASSET_MAX_AGE_SECONDS = 24 * 3600


class SelfHostedSwagger(DocsBase):
    settings: dict[str, Any] = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # Swagger UI would otherwise send the document to validator.swagger.io.
        "validatorUrl": None,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            "api": api,
            "swagger_settings": json.dumps(settings),
            "assets": {
                name.replace("-", "_").replace(".", "_"): reverse("api_docs_asset", args=[name])
                for name in DOCS_ASSETS
            },
        }
        return render(request, "api/docs.html", context)


@require_GET
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in DOCS_ASSETS:
        raise Http404(name)
    content_type, _encoding = mimetypes.guess_type(name)
    response = FileResponse(
        (NINJA_STATIC_DIR / name).open("rb"), content_type=content_type or "application/octet-stream"
    )
    response["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE_SECONDS}"
    return response
