"""The gauges read from the database when Prometheus scrapes ``/metrics`` (core/metrics.py).

One query per family (about nine a scrape), whatever the number of rows: the task queues, mail
deliveries, billing runs, payment imports, refused sign-ins and live workers. Every process answers the
same from the shared database, so these are not summed across processes (multiprocess mode only adds
up the request counters).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.db.models import Case, Count, F, Min, Q, Sum, When
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.core import GaugeMetricFamily, Metric

from calsreg.billing.models import BillingRun, PaymentImport
from calsreg.core import clock
from calsreg.mailbox.models import MailboxMessage, MessageState
from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.records.models import AuditEvent

WINDOW = timedelta(hours=24)
SSO_REFUSED_ACTION = "sso.authorization_refused"


class DatabaseCollector:
    """A prometheus_client collector; ``describe`` names the families without querying."""

    def describe(self) -> Iterator[Metric]:
        for name, documentation, labels in _FAMILIES:
            yield GaugeMetricFamily(name, documentation, labels=labels)

    def collect(self) -> Iterator[Metric]:
        now = clock.now()
        families = {name: GaugeMetricFamily(name, doc, labels=labels) for name, doc, labels in _FAMILIES}
        _queues(families, now=now)
        _deliveries(families, since=now - WINDOW)
        _runs_and_imports(families, since=now - WINDOW)
        _sign_ins(families, since=now - WINDOW)
        _workers(families)
        _mailboxes(families)
        yield from families.values()


_FAMILIES: tuple[tuple[str, str, list[str]], ...] = (
    ("calsreg_task_queue_depth", "Background tasks due and waiting, by queue.", ["queue"]),
    ("calsreg_task_queue_oldest_age_seconds", "Age of the oldest due task waiting, by queue.", ["queue"]),
    ("calsreg_tasks_running", "Background tasks running now, by queue.", ["queue"]),
    ("calsreg_mail_deliveries", "Mail deliveries by status (all rows).", ["status"]),
    ("calsreg_mails_sent_last_24h", "Mails sent in the last 24 hours.", []),
    ("calsreg_mails_failed_last_24h", "Mails failed for good in the last 24 hours.", []),
    ("calsreg_billing_runs", "Billing runs by status (all rows).", ["status"]),
    ("calsreg_payment_imports", "Payment files imported (all rows).", []),
    ("calsreg_payment_imports_last_24h", "Payment files imported in the last 24 hours.", []),
    (
        "calsreg_login_failures_last_24h",
        "Wrong passwords counted by the login lockout in the last 24 hours.",
        [],
    ),
    (
        "calsreg_login_locked_pairs_last_24h",
        "ID and address pairs that reached the lockout in the last 24 hours.",
        [],
    ),
    (
        "calsreg_sso_authorizations_refused_last_24h",
        "Sign-ins to relying parties refused in the last 24 hours.",
        [],
    ),
    ("calsreg_workers_alive", "Worker heartbeat rows (absent until the worker heartbeat exists).", []),
    (
        "calsreg_mailbox_messages",
        "Received mail kept, by mailbox and state (all rows).",
        ["mailbox", "state"],
    ),
    (
        "calsreg_mailbox_messages_failing",
        "Received mail whose processing failed and waits for another try, by mailbox.",
        ["mailbox"],
    ),
)


def _queues(families: dict[str, GaugeMetricFamily], *, now) -> None:
    never = get_date_max()  # django-tasks-db's "no run_after": due since it was enqueued
    due_since = Case(When(run_after=never, then=F("enqueued_at")), default=F("run_after"))
    due = Q(status="READY") & (Q(run_after=never) | Q(run_after__lte=now))
    rows = (
        DBTaskResult.objects.filter(due | Q(status="RUNNING"))
        .values("queue_name")
        .annotate(
            waiting=Count("id", filter=Q(status="READY")),
            running=Count("id", filter=Q(status="RUNNING")),
            oldest=Min(due_since, filter=Q(status="READY")),
        )
        .order_by("queue_name")
    )
    for row in rows:
        queue = row["queue_name"]
        families["calsreg_task_queue_depth"].add_metric([queue], row["waiting"])
        families["calsreg_tasks_running"].add_metric([queue], row["running"])
        age = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
        families["calsreg_task_queue_oldest_age_seconds"].add_metric([queue], max(age, 0.0))


def _deliveries(families: dict[str, GaugeMetricFamily], *, since) -> None:
    counts = dict(Delivery.objects.values_list("status").annotate(n=Count("id")).order_by())
    for status in DeliveryStatus.values:
        families["calsreg_mail_deliveries"].add_metric([status], counts.get(status, 0))
    recent = Delivery.objects.aggregate(
        sent=Count("id", filter=Q(status=DeliveryStatus.SENT, sent_at__gte=since)),
        failed=Count("id", filter=Q(status=DeliveryStatus.FAILED, last_attempt_at__gte=since)),
    )
    families["calsreg_mails_sent_last_24h"].add_metric([], recent["sent"])
    families["calsreg_mails_failed_last_24h"].add_metric([], recent["failed"])


def _runs_and_imports(families: dict[str, GaugeMetricFamily], *, since) -> None:
    runs = dict(BillingRun.objects.values_list("status").annotate(n=Count("id")).order_by())
    for status, _label in BillingRun._meta.get_field("status").choices or ():
        families["calsreg_billing_runs"].add_metric([status], runs.get(status, 0))
    imports = PaymentImport.objects.aggregate(
        total=Count("id"), recent=Count("id", filter=Q(imported_at__gte=since))
    )
    families["calsreg_payment_imports"].add_metric([], imports["total"])
    families["calsreg_payment_imports_last_24h"].add_metric([], imports["recent"])


def _sign_ins(families: dict[str, GaugeMetricFamily], *, since) -> None:
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"),
        locked=Count("id", filter=Q(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)),
    )
    families["calsreg_login_failures_last_24h"].add_metric([], attempts["failures"] or 0)
    families["calsreg_login_locked_pairs_last_24h"].add_metric([], attempts["locked"])
    refused = AuditEvent.objects.filter(action=SSO_REFUSED_ACTION, at__gte=since).count()
    families["calsreg_sso_authorizations_refused_last_24h"].add_metric([], refused)


def _workers(families: dict[str, GaugeMetricFamily]) -> None:
    # The heartbeat model comes with the resilient worker; until it is installed the family is empty.
    try:
        heartbeat = apps.get_model("jobs", "WorkerHeartbeat")
    except LookupError:
        return
    families["calsreg_workers_alive"].add_metric([], heartbeat.objects.count())


def _mailboxes(families: dict[str, GaugeMetricFamily]) -> None:
    rows = (
        MailboxMessage.objects.values("mailbox", "state")
        .annotate(n=Count("id"), failing=Count("id", filter=Q(state=MessageState.RECEIVED, attempts__gt=0)))
        .order_by("mailbox", "state")
    )
    failing: dict[str, int] = {}
    for row in rows:
        families["calsreg_mailbox_messages"].add_metric([row["mailbox"], row["state"]], row["n"])
        failing[row["mailbox"]] = failing.get(row["mailbox"], 0) + row["failing"]
    for mailbox, count in failing.items():
        families["calsreg_mailbox_messages_failing"].add_metric([mailbox], count)
