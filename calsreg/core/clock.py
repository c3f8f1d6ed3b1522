"""The one place that reads the current time, so tests can travel (time-machine) and services
receive the clock read once per action."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today() -> date:
    """Today's date in Japan (Asia/Tokyo), which is what every deadline is counted in."""
    return timezone.localdate()
