"""Shared by the membership, contact and closing tests: what a refusal must leave as it was, which
notices came after a point, and whether a signed-in browser is still signed in."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client

from calsreg.accounts.models import Membership, Project, User
from calsreg.notifications.models import Delivery


def last_delivery_pk() -> int:
    """Deliveries made after this have a greater pk (counts would not do: sequences never go back)."""
    return Delivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def states() -> tuple[object, ...]:
    """Account states, membership flags, project states and sessions (``snapshot()`` has the counts)."""
    return (
        tuple(User.objects.order_by("pk").values_list("pk", "state", "activated_at")),
        tuple(Membership.objects.order_by("pk").values_list("pk", "active", "role")),
        tuple(Project.objects.order_by("pk").values_list("pk", "status", "ends_on", "closed_at")),
        Session.objects.count(),
    )


def signed_in(user: User) -> Client:
    """A browser signed in as ``user`` (a database session, as in production)."""
    user.refresh_from_db()  # the session keeps a hash of the password as it is now
    client = Client()
    client.force_login(user)
    assert client.get("/mypage/").wsgi_request.user == user
    return client


def signed_out(client: Client) -> bool:
    """Whether the browser's next request is anonymous (needs ``tests.accounts.urls``)."""
    response = client.get("/mypage/")
    return not response.wsgi_request.user.is_authenticated and SESSION_KEY not in client.session
