"""The queue benchmark: the desk's application list, one application, and the admin's list.

For each size the application tables are emptied and refilled (``bench.population``), then every page
of ``PAGES`` is requested ``repeat`` times by a signed-in user (a help-desk user for the desk, a
superuser for the admin). The question it answers: does a page stay as fast at 100,000 applications
as at 1,000, and does its number of SQL queries stay the same?
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.urls import reverse

from bench.measure import PageTiming, time_page
from bench.population import Population, directory_ensure, populate, population_reset
from calsreg.accounts.models import Role, User
from calsreg.applications.models import Application, ApplicationUser
from calsreg.desk.applications.views.queue import QUEUE_PAGE_SIZE
from calsreg.records.models import AuditEvent

DESK_USERNAME = "bench-desk"
ADMIN_USERNAME = "bench-admin"
# A word in about one project name in twelve (see bench.words.WORKS).
TEXT_QUERY = "護岸"
# The detail page is requested for this many different applications in turn: each view appends an
# audit event that the page then lists, so one application viewed N times would skew its timing.
# They are applications with matched supervisors, the page's fullest case (one query more than an
# unmatched one), so the query count compares like with like across sizes.
DETAIL_APPLICATIONS = 25
LOGIN_BACKEND = "calsreg.accounts.backends.AccountBackend"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    as_admin: bool = False


PAGES = (
    Page("queue", "desk queue, page 1"),
    Page("queue_text", f"desk queue, text filter “{TEXT_QUERY}”"),
    Page("queue_by_project", "desk queue, sorted by project"),
    Page("queue_last_page", "desk queue, last page"),
    Page("detail", "desk application detail"),
    Page("admin_changelist", "admin changelist", as_admin=True),
)


@dataclass
class SizeResult:
    size: int
    populate_seconds: float
    timings: dict[str, PageTiming] = field(default_factory=dict)


def queue_benchmark_size(*, size: int, repeat: int, seed: int = 2026, analyze: bool = False) -> SizeResult:
    """Refill the tables with ``size`` applications and time every page of ``PAGES``.

    ``analyze`` runs VACUUM ANALYZE after the load (PostgreSQL only), as autovacuum would soon do on a
    real server; without it the planner would see a table it believes empty.
    """
    started = time.perf_counter()
    bench_views_forget()
    population_reset()
    directory_ensure()
    population = populate(size=size, seed=seed)
    if analyze and connection.vendor == "postgresql":
        _vacuum_analyze()
    result = SizeResult(size=size, populate_seconds=time.perf_counter() - started)
    clients = {False: _client(_bench_user(admin=False)), True: _client(_bench_user(admin=True))}
    for page, urls in page_urls(population).items():
        result.timings[page.key] = time_page(clients[page.as_admin], urls, repeat=repeat)
    return result


def page_urls(population: Population) -> dict[Page, list[str]]:
    queue = reverse("desk:queue")
    last_page = max(1, math.ceil(population.size / QUEUE_PAGE_SIZE))
    ids = population.matched_ids or population.application_ids
    step = max(1, len(ids) // DETAIL_APPLICATIONS)
    urls = {
        "queue": [queue],
        "queue_text": [f"{queue}?{urlencode({'q': TEXT_QUERY})}"],
        "queue_by_project": [f"{queue}?sort=project"],
        "queue_last_page": [f"{queue}?page={last_page}"],
        "detail": [reverse("desk:application_detail", args=[pk]) for pk in ids[::step][:DETAIL_APPLICATIONS]],
        "admin_changelist": [reverse("admin:applications_application_changelist")],
    }
    return {page: urls[page.key] for page in PAGES}


def bench_views_forget() -> None:
    """Remove the audit events the benchmark's own page views wrote (and nothing else)."""
    AuditEvent.objects.filter(actor__username__in=(DESK_USERNAME, ADMIN_USERNAME)).delete()


def _bench_user(*, admin: bool) -> User:
    username = ADMIN_USERNAME if admin else DESK_USERNAME
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": Role.ADMINISTRATOR if admin else Role.HELP_DESK,
            "display_name": "ベンチマーク",
            "is_staff": admin,
            "is_superuser": admin,
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=LOGIN_BACKEND)
    return client


def _vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        for model in (Application, ApplicationUser, Application.supervisors.through):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
