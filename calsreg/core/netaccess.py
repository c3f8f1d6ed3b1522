"""Who may read the operator endpoints (readiness details, metrics): this machine, or networks the
operator lists.

The client address is the rate limits' one (``core.ratelimit.client_address``: ``X-Forwarded-For`` is
believed only from ``CALSREG_TRUSTED_PROXIES``). A request that arrives from this machine but carries a
forwarding header came through a proxy nobody declared (e.g. a reverse proxy on the same host): it is
somebody else's request, not the machine's own, so it is not let in as "loopback".
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

from calsreg.core.ratelimit import client_address, ip_networks

_FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def address_allowed(request: HttpRequest, *, networks: list[str], setting_name: str) -> bool:
    """True if the client is this machine (and no undeclared proxy forwarded it) or is in ``networks``."""
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    if any(address in network for network in ip_networks(tuple(networks), setting_name)):
        return True
    if not address.is_loopback:
        return False
    return not any(request.META.get(header) for header in _FORWARDING_HEADERS)
