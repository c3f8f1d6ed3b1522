"""Who may read the operator endpoints (readiness details, metrics): this machine, or networks the
operator lists.

The client address is the rate limits' one (``core.ratelimit.client_address``: ``X-Forwarded-For`` is
believed only from ``CALSREG_TRUSTED_PROXIES``). A request that arrives from this machine but carries a
forwarding header came through a proxy nobody declared (e.g. a reverse proxy on the same host): it is
somebody else's request, not the machine's own, so it is not let in as "loopback".
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from calsreg.core.ratelimit import client_address

_FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def address_allowed(request: HttpRequest, *, networks: list[str], setting_name: str) -> bool:
    """True if the client is this machine (and no undeclared proxy forwarded it) or is in ``networks``."""
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    if any(address in network for network in _networks(tuple(networks), setting_name)):
        return True
    if not address.is_loopback:
        return False
    return not any(request.META.get(header) for header in _FORWARDING_HEADERS)


@lru_cache(maxsize=8)
def _networks(
    entries: tuple[str, ...], setting_name: str
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{setting_name}: {entry!r} is not an IP network (e.g. 10.0.0.0/24)"
            ) from exc
    return tuple(networks)
