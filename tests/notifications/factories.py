"""Builders for notification tests. Any saved model can be a delivery's subject; a Group keeps these
tests independent of the domain apps."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

from calsreg.notifications.models import Delivery
from calsreg.notifications.services import notification_enqueue

APPLICANT_EMAIL = "tanaka@echigo-kensetsu.example.jp"


def subject_factory(name: str = "申込#1") -> Group:
    return Group.objects.create(name=name)


def received_context(**overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "receipt_number": "R2026-000123",
        "project_name": "一般国道8号 舗装補修工事",
        "office_name": "新潟地域振興局 地域整備部",
        "contractor_name": "株式会社越後建設",
        "applicant_name": "田中 一郎",
        "submitted_at": "2026-11-24T00:05:00+00:00",
        "status_url": "http://127.0.0.1:8000/status/",
        "notices": ["利用者1のIDを半角に修正しました（ｔａｎａｋａ → tanaka）"],
    }
    context.update(overrides)
    return context


def enqueue_received(
    *,
    subject: Group | None = None,
    key: str = "application_received:1",
    language: str = "ja",
    to: str = APPLICANT_EMAIL,
    **context_overrides: Any,
) -> Delivery:
    return notification_enqueue(
        kind="application_received",
        to=to,
        context=received_context(**context_overrides),
        subject=subject or subject_factory(),
        idempotency_key=key,
        language=language,
    )
