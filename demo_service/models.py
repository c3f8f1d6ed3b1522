"""The mirror of calsreg's projects, accounts and memberships, built only from its events."""

from __future__ import annotations

from django.db import models


class ReceivedEvent(models.Model):
    """Each event applied once: its id is unique, so a repeated webhook or feed item is ignored."""

    event_id = models.UUIDField(unique=True)
    cursor = models.BigIntegerField(db_index=True)
    type = models.CharField(max_length=64)
    via = models.CharField(max_length=16)  # webhook | feed
    body = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cursor"]

    def __str__(self) -> str:
        return f"{self.cursor} {self.type}"


class Project(models.Model):
    number = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    office = models.CharField(max_length=255)
    state = models.CharField(max_length=16)
    service_start = models.CharField(max_length=10, blank=True)
    service_end = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class Account(models.Model):
    """Keyed by calsreg's ``sub`` — the ID token's ``sub`` too: the ID may change, the ``sub`` does
    not (until anonymisation, whose event names the old one)."""

    sub = models.CharField(max_length=64, unique=True)
    account_id = models.CharField(max_length=150)
    name = models.CharField(max_length=255, blank=True)
    kana = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)
    state = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return self.account_id


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "account"], name="one_membership")]
        ordering = ["account__account_id"]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.account_id} {self.role}"


class SignedIn(models.Model):
    """A session of this service opened by a calsreg sign-in: what a back-channel logout ends."""

    sub = models.CharField(max_length=64, db_index=True)
    sid = models.CharField(max_length=255, blank=True, db_index=True)
    session_key = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.sub


class LogoutTokenSeen(models.Model):
    """Each logout token's ``jti`` once: a replayed token is refused."""

    jti = models.CharField(max_length=255, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.jti
