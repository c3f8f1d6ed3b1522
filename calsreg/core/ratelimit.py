"""Who is asking, and how often: the client address and the per-address counter of anonymous actions.

One mechanism for every anonymous endpoint (the portal's forms through ``portal/throttle.py``, the
public and confirmation API through ``api/throttle.py``) and for the login lockout (django-axes calls
``client_address`` through ``AXES_CLIENT_IP_CALLABLE``; ``accounts/lockout.py`` counts each address's
wrong passwords across all IDs here).

The client address is ``REMOTE_ADDR`` unless that is one of ``settings.TRUSTED_PROXIES``
(``CALSREG_TRUSTED_PROXIES``: addresses or networks of our own reverse proxies). Only then is
``X-Forwarded-For`` read, from the right: each proxy appends the address it received the request from,
so the right-most address that is not one of our proxies is the client; everything left of it was
written by the client and could be anything. Without trusted proxies the header is ignored — a client
cannot buy itself a fresh allowance by sending one.

Counts live in Django's cache, in fixed windows (one hour by default): each process's memory unless
``CALSREG_CACHE_BACKEND`` names a shared cache, which several web processes need to share one count
(e.g. ``DatabaseCache``; Redis or Memcached count atomically, the database cache may miss a count
when two requests race — an allowance of 30 may admit a few more, never fewer). IPv6 clients are
counted per /64 network: one subscriber usually holds a whole /64 and could otherwise rotate addresses.
"""

from __future__ import annotations

import enum
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from calsreg.core import clock

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

HOUR_SECONDS = 3600
# IPv6 addresses are counted by their network of this size (a subscriber's usual allocation).
IPV6_COUNTED_PREFIX = 64


class Scope(enum.StrEnum):
    """The anonymous actions, each with its own count. Endpoints that answer the same question or do
    the same thing share one, whatever the channel (portal page or API)."""

    STATUS = "status"  # the status lookup and withdrawal: receipt number + e-mail
    APPLY = "apply"  # a new application: web form, workbook upload, API
    CORRECT = "correct"  # the applicant's correction through the returned-application link
    CHANGE_REQUEST = "change_request"  # a change request by receipt or project number, form or workbook
    PASSWORD_RESET = "password_reset"  # noqa: S105 — "forgot password" on my page
    CONFIRM = "confirm"  # the supervisor's answer through the confirmation link, page or API
    LOGIN_FAILURE = "login_failure"  # a wrong password for any ID, at any login page (password spraying)
    POSTCODE = "postcode"  # the apply form's postcode → address look-up (GET, each one counted)


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (see the module's doc), as text; "" if the
    server was not given one (e.g. a Unix socket)."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None or not _trusted(remote):
        return str(remote) if remote is not None else ""
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Our proxy passed on something that is not an address: nothing left of it can be trusted,
            # so count the request against the proxy (shared, but never a fresh allowance).
            return str(remote)
        if not _trusted(address):
            return str(address)
    return str(_address(hops[0])) if hops else str(remote)


def rate_limit_hit(
    *, scope: Scope, request: HttpRequest, allowance: int, window_seconds: int = HOUR_SECONDS
) -> int:
    """Count one use of ``scope`` by the request's client; return 0 if it is within ``allowance`` per
    window, else the seconds until the window ends (what ``Retry-After`` says)."""
    now, window, key = _window_key(
        scope=scope, address=counted_address(request), window_seconds=window_seconds
    )
    if cache.add(key, 1, timeout=window_seconds):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window_seconds)
            count = 1
    if count <= allowance:
        return 0
    return (window + 1) * window_seconds - now


def rate_limit_spent(
    *, scope: Scope, request: HttpRequest, allowance: int, window_seconds: int = HOUR_SECONDS
) -> int:
    """Whether the request's client has used up ``allowance`` for this window, counting nothing:
    0 if one more use is within it, else the seconds until the window ends. For actions counted only
    on some outcome (a wrong password): checked before acting, counted by ``rate_limit_hit`` after."""
    return address_rate_limit_spent(
        scope=scope, address=counted_address(request), allowance=allowance, window_seconds=window_seconds
    )


def address_rate_limit_spent(
    *, scope: Scope, address: str, allowance: int, window_seconds: int = HOUR_SECONDS
) -> int:
    """``rate_limit_spent`` for an address as ``counted_address`` gives it, not a request (the desk)."""
    now, window, key = _window_key(scope=scope, address=address, window_seconds=window_seconds)
    if cache.get(key, 0) < allowance:
        return 0
    return (window + 1) * window_seconds - now


def rate_limit_forget(*, scope: Scope, address: str, window_seconds: int = HOUR_SECONDS) -> None:
    """Forget the current window's count of ``scope`` for ``address`` (as ``counted_address`` gives
    it): the address has its whole allowance again. The desk's lift of an address's login lock."""
    _now, _window, key = _window_key(scope=scope, address=address, window_seconds=window_seconds)
    cache.delete(key)


def counted_address(request: HttpRequest) -> str:
    """The client address as counted: the address, or its /64 network for IPv6."""
    return _counted_as(client_address(request))


def _window_key(*, scope: Scope, address: str, window_seconds: int) -> tuple[int, int, str]:
    """Now (epoch seconds), the current window's number, and the cache key of its count."""
    now = int(clock.now().timestamp())
    window = now // window_seconds
    return now, window, f"ratelimit:{scope}:{_counted_as(address)}:{window}"


def _counted_as(address_text: str) -> str:
    address = _address(address_text)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_COUNTED_PREFIX}", strict=False))
    return address_text


def _address(text: str) -> IPAddress | None:
    """``text`` as an address; a port some proxies append (``1.2.3.4:5678``, ``[::1]:5678``) is dropped."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress) -> bool:
    return any(
        address in network
        for network in ip_networks(tuple(settings.TRUSTED_PROXIES), "CALSREG_TRUSTED_PROXIES")
    )


@lru_cache(maxsize=8)
def ip_networks(entries: tuple[str, ...], setting_name: str) -> tuple[IPNetwork, ...]:
    """The addresses or networks of a setting (``10.0.0.5``, ``10.0.0.0/24``); a wrong entry stops
    the start-up naming the setting."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{setting_name}: {entry!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
            ) from exc
    return tuple(networks)
