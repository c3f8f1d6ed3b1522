"""The registration benchmark (issue 3): how long the machine takes for one application's whole journey,
and how many applications it registers per second.

(a) **Journey**: submission → confirmation request → the supervisor's answer by link → the call →
registration → start of use → the worker has delivered every mail, with every human step taken at
once. The mails really go out: Django's SMTP backend talks to an aiosmtpd server on 127.0.0.1 (the
sink below), and the supervisor's link is read from the mail the sink received. Median and p95 of
the whole, and the median of each step.

(b) **Throughput**: N confirmed applications with five users each are prepared (through the real
submit service, then set to confirmed directly — the confirmation is (a)'s subject); then
``project_register`` is timed over all of them, then the worker sending their 10 mails each (an ID
notice and a password notice per user; the password made and hashed with Argon2 when its mail is
rendered). Reported as applications per second for "register only" and "register + mails sent".

The supervisors' own accounts exist before the timing starts, as they do in steady operation (one
orderer account per person, created on the first project and reused), so each application makes five
accounts and ten credential mails.

Everything runs in one process, one step after another: the worker is django-tasks' ``db_worker
--batch`` run in-process, exactly as ``manage.py run_worker`` runs it but stopping when no task is
ready. No page is requested; the API and the pages would add their own few milliseconds per step.
"""

from __future__ import annotations

import email
import email.policy
import re
import signal
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from aiosmtpd.controller import Controller
from django.contrib.auth.hashers import get_hasher, make_password
from django.core.management import call_command
from django.db import transaction

from bench.measure import percentile
from bench.population import directory_ensure
from calsreg.accounts import credentials
from calsreg.accounts.models import AccountState, Role, User
from calsreg.accounts.services import project_register, project_start_use
from calsreg.applications.models import Application, Channel
from calsreg.applications.services import application_submit, submission_as_evidence
from calsreg.applications.states import Status
from calsreg.applications.validation import validate_application
from calsreg.core import clock
from calsreg.directory.models import Supervisor
from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.records.services import Actor
from calsreg.verification.services import call_record, confirmation_answer_by_link, confirmation_request_send

SMTP_HOST = "127.0.0.1"
USERS_PER_APPLICATION = 5
DESK_USERNAME = "bench-registration"
CONFIRM_TOKEN = re.compile(r"/confirm/([A-Za-z0-9_-]+)/")
JOURNEY_STEPS = (
    "submit",
    "send confirmation",
    "worker: acknowledgment + confirmation mail",
    "answer by link",
    "record call",
    "register",
    "start use",
    "worker: credentials + start-of-use mails",
)
# (requested ID, name, kana): requested parts repeat across applications, as common surnames do.
PEOPLE = (
    ("tanaka", "田中 一郎", "タナカ イチロウ"),
    ("suzuki", "鈴木 次郎", "スズキ ジロウ"),
    ("sato", "佐藤 三郎", "サトウ サブロウ"),
    ("takahashi", "高橋 四郎", "タカハシ シロウ"),
    ("watanabe", "渡辺 五郎", "ワタナベ ゴロウ"),
    ("ito", "伊藤 六郎", "イトウ ロクロウ"),
    ("yamamoto", "山本 七郎", "ヤマモト シチロウ"),
    ("nakamura", "中村 八郎", "ナカムラ ハチロウ"),
    ("kobayashi", "小林 九郎", "コバヤシ クロウ"),
    ("kato", "加藤 十郎", "カトウ ジュウロウ"),
)
ROLES = ("site_agent", "chief_engineer", "engineer", "engineer", "other")


class BenchFailed(RuntimeError):
    """The journey did not end as it must (a mail missing, a delivery not sent): no figure is valid."""


# --- the SMTP sink ------------------------------------------------------------------------------------


@dataclass
class SmtpSink:
    """A real SMTP server on 127.0.0.1 that accepts every message and keeps it (aiosmtpd handler)."""

    host: str = SMTP_HOST
    port: int = 0
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.received.append(
                (list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content))
            )
        return "250 Message accepted for delivery"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def confirm_token(self, *, to: str) -> str:
        """The link's token in the newest mail received for ``to`` that carries one."""
        with self._lock:
            received = list(self.received)
        for recipients, content in reversed(received):
            if to in recipients:
                message = email.message_from_bytes(content, policy=email.policy.default)
                body = message.get_body(preferencelist=("plain",))
                match = CONFIRM_TOKEN.search(body.get_content() if body is not None else "")
                if match:
                    return match.group(1)
        raise BenchFailed(f"no confirmation mail with a link reached {to}")


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    """Start the sink on a free port of 127.0.0.1; stop it on leaving."""
    sink = SmtpSink(port=_free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((SMTP_HOST, 0))
        return int(probe.getsockname()[1])


# --- the worker -----------------------------------------------------------------------------------


def worker_run() -> None:
    """Run django-tasks' worker until no task is ready (``db_worker --batch``), in this process."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name=*", verbosity=0
        )
    finally:
        for sig, handler in saved.items():  # the worker installs its own handlers
            signal.signal(sig, handler)


def _all_sent() -> None:
    unsent = Delivery.objects.exclude(status=DeliveryStatus.SENT).values_list("kind", "status", "last_error")[
        :5
    ]
    if unsent:
        raise BenchFailed(f"deliveries not sent: {list(unsent)}")


# --- building blocks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    desk: Actor
    supervisors: list[Supervisor]


def setting_prepare(*, supervisors: int = 12) -> Setting:
    """The demo directory, a help-desk user, and one supervisor per office with an account already."""
    directory_ensure()
    desk_user, _created = User.objects.get_or_create(
        username=DESK_USERNAME, defaults={"role": Role.HELP_DESK, "display_name": "ベンチマーク"}
    )
    chosen = []
    for office_id in Supervisor.objects.order_by("office_id").values_list("office_id", flat=True).distinct():
        chosen.append(Supervisor.objects.filter(office_id=office_id, active=True).order_by("pk").first())
        if len(chosen) == supervisors:
            break
    for supervisor in chosen:
        _supervisor_account_ensure(supervisor)
    return Setting(desk=Actor.staff(desk_user), supervisors=[s for s in chosen if s is not None])


def _supervisor_account_ensure(supervisor: Supervisor | None) -> None:
    if supervisor is None or User.objects.filter(supervisor=supervisor).exists():
        return
    requested = credentials.requested_part_for_email(supervisor.email)
    user = User(
        username=credentials.account_id_compose(requested=requested, suffix=credentials.account_id_suffix()),
        role=Role.SUPERVISOR,
        supervisor=supervisor,
        display_name=supervisor.name,
        email=supervisor.email,
        state=AccountState.ACTIVE,
    )
    user.set_unusable_password()
    user.save()


def application_payload(*, number: int, supervisor: Supervisor) -> dict[str, Any]:
    """A raw application as the web form or the API sends it, with five users. Its construction
    period is around the day the bench runs, so the start of use (today) falls inside it."""
    period_start = clock.today() - timedelta(days=6)
    company = f"ecg{number}.example.co.jp"
    users = []
    for position in range(USERS_PER_APPLICATION):
        requested, name, kana = PEOPLE[(number + position) % len(PEOPLE)]
        users.append(
            {
                "role": ROLES[position],
                "name": name,
                "kana": kana,
                "email": f"{requested}@{company}",
                "phone": f"090-{1000 + number % 9000:04d}-{5600 + position:04d}",
                "requested_id": requested,
            }
        )
    return {
        "office": supervisor.office.code,
        "project_number": f"R8-新潟-土木-B{number:05d}",
        "project_name": f"一般県道{number}号 舗装補修工事",
        "project_location": "新潟市中央区白山浦地内",
        "period_start": period_start.isoformat(),
        "period_end": (period_start + timedelta(days=108)).isoformat(),
        "contract_amount": "48400000",
        "contract_date": (period_start - timedelta(days=11)).isoformat(),
        "contractor_name": f"株式会社越後建設{number}",
        "contractor_kana": "カブシキガイシャエチゴケンセツ",
        "contractor_representative": "越後 正樹",
        "contractor_postcode": "950-0088",
        "contractor_address": "新潟県新潟市中央区万代1丁目1番1号",
        "contractor_phone": "025-244-1234",
        "applicant_name": users[0]["name"],
        "applicant_kana": users[0]["kana"],
        "applicant_email": users[0]["email"],  # the site agent applies, as is usual
        "applicant_phone": users[0]["phone"],
        "billing_addressee": f"株式会社越後建設{number}",
        "billing_department": "工事部",
        "billing_postcode": "950-0088",
        "billing_address": "新潟県新潟市中央区万代1丁目1番1号",
        "billing_phone": "025-244-1234",
        "users": users,
        "supervisor_ids": [supervisor.pk],
        "terms_accepted": True,
    }


def application_submitted(*, number: int, supervisor: Supervisor) -> Application:
    raw = application_payload(number=number, supervisor=supervisor)
    data = validate_application(raw, require_directory_supervisors=True)
    return application_submit(
        data=data,
        channel=Channel.API,
        actor=Actor.applicant(raw["applicant_email"]),
        originals=[submission_as_evidence(raw=raw, channel=Channel.API)],
    )


# --- (a) the journey --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyResult:
    count: int
    total_median_ms: float
    total_p95_ms: float
    step_median_ms: dict[str, float]
    mails_per_journey: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def journey_benchmark(
    *, count: int, sink: SmtpSink, setting: Setting, first_number: int = 1
) -> JourneyResult:
    """``count`` journeys after one untimed warm-up; SMTP settings must point at ``sink`` already."""
    journey(number=first_number, supervisor=setting.supervisors[0], desk=setting.desk, sink=sink)
    totals: list[float] = []
    steps: dict[str, list[float]] = {step: [] for step in JOURNEY_STEPS}
    mails = 0
    for index in range(count):
        before = sink.count
        supervisor = setting.supervisors[index % len(setting.supervisors)]
        timings = journey(
            number=first_number + 1 + index, supervisor=supervisor, desk=setting.desk, sink=sink
        )
        mails = sink.count - before
        totals.append(sum(timings.values()))
        for step, elapsed in timings.items():
            steps[step].append(elapsed)
    return JourneyResult(
        count=count,
        total_median_ms=statistics.median(totals),
        total_p95_ms=percentile(totals, 95),
        step_median_ms={step: statistics.median(values) for step, values in steps.items()},
        mails_per_journey=mails,
    )


def journey(*, number: int, supervisor: Supervisor, desk: Actor, sink: SmtpSink) -> dict[str, float]:
    """One application from submission to its start-of-use mails delivered; milliseconds per step."""
    timings: dict[str, float] = {}
    clock = _StepClock(timings)
    application = application_submitted(number=number, supervisor=supervisor)
    clock.lap("submit")
    confirmation_request_send(application=application, actor=desk, expected_open_ids=[])
    clock.lap("send confirmation")
    worker_run()
    clock.lap("worker: acknowledgment + confirmation mail")
    token = sink.confirm_token(to=supervisor.email)  # the link as the supervisor received it
    confirmation_answer_by_link(token=token, answer="confirmed", reason="")
    clock.lap("answer by link")
    call_record(application=application, supervisor=supervisor, outcome="confirmed", note="", actor=desk)
    clock.lap("record call")
    project = project_register(application=application, actor=desk)
    clock.lap("register")
    project_start_use(project=project, actor=desk)
    clock.lap("start use")
    worker_run()
    clock.lap("worker: credentials + start-of-use mails")
    _all_sent()
    if not Application.objects.filter(pk=application.pk, status=Status.IN_SERVICE).exists():
        raise BenchFailed(f"application {application.receipt_number} did not reach in_service")
    return timings


class _StepClock:
    def __init__(self, timings: dict[str, float]) -> None:
        self._timings = timings
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self._timings[step] = (now - self._last) * 1000
        self._last = now


# --- (b) throughput -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThroughputResult:
    count: int
    accounts: int
    mails: int
    prepare_seconds: float
    register_seconds: float
    mails_seconds: float

    @property
    def register_per_second(self) -> float:
        return self.count / self.register_seconds

    @property
    def with_mails_per_second(self) -> float:
        return self.count / (self.register_seconds + self.mails_seconds)

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "register_per_second": round(self.register_per_second, 2),
            "register_and_mails_per_second": round(self.with_mails_per_second, 2),
        }


def throughput_benchmark(
    *, count: int, sink: SmtpSink, setting: Setting, first_number: int = 100_000
) -> ThroughputResult:
    """Register ``count`` confirmed applications of five users each, then send their mails."""
    started = time.perf_counter()
    applications = _confirmed_applications(count=count, setting=setting, first_number=first_number)
    worker_run()  # the acknowledgments of the preparation, not timed
    _all_sent()
    prepared = time.perf_counter()
    accounts_before, mails_before = User.objects.count(), sink.count
    for application in applications:
        project_register(application=application, actor=setting.desk)
    registered = time.perf_counter()
    worker_run()
    sent = time.perf_counter()
    _all_sent()
    mails = sink.count - mails_before
    if mails != 2 * USERS_PER_APPLICATION * count:
        raise BenchFailed(
            f"expected {2 * USERS_PER_APPLICATION * count} credential mails, the sink got {mails}"
        )
    return ThroughputResult(
        count=count,
        accounts=User.objects.count() - accounts_before,
        mails=mails,
        prepare_seconds=prepared - started,
        register_seconds=registered - prepared,
        mails_seconds=sent - registered,
    )


def _confirmed_applications(*, count: int, setting: Setting, first_number: int) -> list[Application]:
    applications = [
        application_submitted(
            number=first_number + index, supervisor=setting.supervisors[index % len(setting.supervisors)]
        )
        for index in range(count)
    ]
    with transaction.atomic():
        # Confirmed directly: the confirmation steps are the journey's subject, not this one's.
        Application.objects.filter(pk__in=[a.pk for a in applications]).update(status=Status.CONFIRMED)
    return applications


# --- both -----------------------------------------------------------------------------------------


def password_hash_median_ms(*, repeat: int = 10) -> float:
    """One initial password's hash with the configured hasher (Argon2): the password mail's main cost."""
    make_password(credentials.initial_password_generate())  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        make_password(credentials.initial_password_generate())
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


@dataclass(frozen=True)
class RegistrationResults:
    journey: JourneyResult
    throughput: ThroughputResult
    password_hash_ms: float


def registration_benchmark(
    *, count: int, sink: SmtpSink, progress: Callable[[str], None] = lambda message: None
) -> RegistrationResults:
    setting = setting_prepare()
    progress(f"(a) journey: 1 warm-up + {count} timed …")
    journey_result = journey_benchmark(count=count, sink=sink, setting=setting)
    progress(f"(b) throughput: {count} applications × {USERS_PER_APPLICATION} users …")
    throughput_result = throughput_benchmark(count=count, sink=sink, setting=setting)
    return RegistrationResults(
        journey=journey_result, throughput=throughput_result, password_hash_ms=password_hash_median_ms()
    )


def results_text(results: RegistrationResults, *, database: str) -> str:
    journey_result, throughput = results.journey, results.throughput
    lines = [
        f"registration benchmark — {database}",
        "",
        f"(a) submission → start-of-use mail delivered, {journey_result.count} journeys "
        f"({journey_result.mails_per_journey} mails each, {USERS_PER_APPLICATION} users):",
        f"    median {journey_result.total_median_ms:.0f} ms, p95 {journey_result.total_p95_ms:.0f} ms",
    ]
    width = max(len(step) for step in JOURNEY_STEPS)
    lines += [
        f"      {step.ljust(width)}  {journey_result.step_median_ms[step]:8.1f} ms (median)"
        for step in JOURNEY_STEPS
    ]
    lines += [
        "",
        f"(b) {throughput.count} confirmed applications × {USERS_PER_APPLICATION} users "
        f"({throughput.accounts} accounts, {throughput.mails} mails):",
        f"    register only:       {throughput.register_seconds:7.2f} s  → "
        f"{throughput.register_per_second:7.1f} applications/s",
        f"    mails sent:          {throughput.mails_seconds:7.2f} s  → "
        f"{throughput.mails / throughput.mails_seconds:7.1f} mails/s",
        f"    register + mails:    {throughput.register_seconds + throughput.mails_seconds:7.2f} s  → "
        f"{throughput.with_mails_per_second:7.1f} applications/s",
        f"    (preparation, not timed: {throughput.prepare_seconds:.1f} s)",
        "",
        f"one password hash ({get_hasher().algorithm}), median of 10: {results.password_hash_ms:.0f} ms",
    ]
    return "\n".join(lines)
