"""Reads for the desk's single sign-on pages: each relying party with its subscriber, delivery
counts and last sign-in, and a party's delivery logs. A fixed number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from oauth2_provider.models import Application

from calsreg.events.models import Subscriber, WebhookDelivery, WebhookStatus
from calsreg.sso.models import LogoutDelivery, LogoutStatus, SignIn

# The desk's status filter: "pending" covers an attempt in progress too.
STATUS_FILTERS: dict[str, list[str]] = {
    "failed": [WebhookStatus.FAILED],
    "pending": [WebhookStatus.PENDING, WebhookStatus.SENDING],
    "delivered": [WebhookStatus.DELIVERED],
}


@dataclass(frozen=True)
class PartyRow:
    party: Application
    subscriber: Subscriber | None

    @property
    def confidential(self) -> bool:
        return self.party.client_type == Application.CLIENT_CONFIDENTIAL

    @property
    def first_party(self) -> bool:
        return bool(self.party.skip_authorization)

    @property
    def redirect_uris(self) -> list[str]:
        return self.party.redirect_uris.split()

    @property
    def backchannel_uri(self) -> str:
        endpoint = getattr(self.party, "sso_backchannel", None)
        return endpoint.uri if endpoint is not None else ""

    @property
    def last_sign_in(self) -> datetime | None:
        return self.party.last_sign_in  # type: ignore[attr-defined]  # annotated


def _logout_count(status: str) -> Subquery:
    rows = (
        LogoutDelivery.objects.filter(application=OuterRef("pk"), status=status)
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)  # type: ignore[return-value]


def _parties() -> QuerySet[Application]:
    last = SignIn.objects.filter(application=OuterRef("pk")).order_by("-signed_in_at").values("signed_in_at")
    return (
        Application.objects.select_related("sso_backchannel")
        .annotate(
            last_sign_in=Subquery(last[:1]),
            logout_pending=_logout_count(LogoutStatus.PENDING),
            logout_failed=_logout_count(LogoutStatus.FAILED),
        )
        .order_by("name", "id")
    )


def _subscribers_by_client(client_ids: list[str]) -> dict[str, Subscriber]:
    """The subscriber of each client ID (the first by name if several), with delivery counts."""
    subscribers = (
        Subscriber.objects.filter(client_id__in=client_ids)
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__status=WebhookStatus.PENDING)),
            failed=Count("deliveries", filter=Q(deliveries__status=WebhookStatus.FAILED)),
        )
        .order_by("-name")
    )
    return {subscriber.client_id: subscriber for subscriber in subscribers}


def party_rows() -> list[PartyRow]:
    parties = list(_parties())
    subscribers = _subscribers_by_client([party.client_id for party in parties]) if parties else {}
    return [PartyRow(party=party, subscriber=subscribers.get(party.client_id)) for party in parties]


def party_row(*, pk: int) -> PartyRow | None:
    party = _parties().filter(pk=pk).first()
    if party is None:
        return None
    return PartyRow(party=party, subscriber=_subscribers_by_client([party.client_id]).get(party.client_id))


def webhook_deliveries(*, subscriber: Subscriber | None, status: str) -> QuerySet[WebhookDelivery]:
    """The subscriber's webhook deliveries, newest event first, in one status group ("" = all)."""
    if subscriber is None:
        return WebhookDelivery.objects.none()
    rows = WebhookDelivery.objects.filter(subscriber=subscriber).select_related("event")
    if status in STATUS_FILTERS:
        rows = rows.filter(status__in=STATUS_FILTERS[status])
    return rows.order_by("-event_id", "-id")


def logout_deliveries(*, party: Application, status: str) -> QuerySet[LogoutDelivery]:
    """The party's logout deliveries, newest first, in one status group ("" = all)."""
    rows = LogoutDelivery.objects.filter(application=party).select_related("event", "user")
    if status in STATUS_FILTERS:
        rows = rows.filter(status__in=STATUS_FILTERS[status])
    return rows.order_by("-created_at", "-id")
