"""The apply form's postcode → address look-up (static/js/calsreg.js fills the address from it).

Anonymous and counted per client address (``Scope.POSTCODE``): the data is public, but a script must
not use the portal as a free bulk postcode service.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from calsreg.core.postcode import postcode_address
from calsreg.core.ratelimit import Scope, rate_limit_hit


@require_GET
def postcode_lookup(request: HttpRequest) -> JsonResponse:
    wait = rate_limit_hit(scope=Scope.POSTCODE, request=request, allowance=settings.POSTCODE_LOOKUPS_PER_HOUR)
    if wait:
        refused = JsonResponse({"error": _("しばらくしてからお試しください。")}, status=429)
        refused["Retry-After"] = str(wait)
        return refused
    found = postcode_address(request.GET.get("code", ""))
    if found is None:
        return JsonResponse({"error": _("この郵便番号の住所は見つかりません。")}, status=404)
    return JsonResponse(
        {
            "postcode": found.postcode,
            "prefecture": found.prefecture,
            "city": found.city,
            "town": found.town,
            "address": found.address,
        }
    )
