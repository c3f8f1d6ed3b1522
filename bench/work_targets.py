"""The targets that are not one page: Zengin import + match, the billing run, registration.

Each is measured with the page targets' instruments (``bench.cpu.measured``: CPU of this process plus
its PostgreSQL backend, wall time beside; ``bench.stats``: one ratio per round, median and min–max)
and printed as rows of the same table. Work that writes (an import, a billing run) runs inside a
transaction that is rolled back after the measurement, so every round starts from the same data.
The arithmetic (``*_rows``) is separate from the measuring so that it can be tested alone.
"""

from __future__ import annotations

import importlib
import random
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from bench.cpu import UNAVAILABLE, Cost, backend_pid, measured
from bench.stats import Spread, interleaved, ratios
from bench.targets import Goal, Row

ZENGIN_TRANSFERS = 300
ZENGIN_SETS = ("open_1k", "open_10k", "open_100k")  # smallest first
ZENGIN_COPY_GOAL = Goal(">=", 0.1)
GROWTH_GOAL = Goal("<=", 1.3)
BILLING_GOAL = Goal(">=", 0.8)
Say = Callable[[str], None]


class _Rollback(Exception):
    """Raised to undo the measured work once its cost is taken."""


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a transaction that is always rolled back (the data stay as they were)."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _backend_known(costs: Sequence[Cost]) -> str:
    return "" if all(cost.backend_ms is not None for cost in costs) else UNAVAILABLE


# --- peak memory -------------------------------------------------------------------------------------


def _status_kib(field_name: str, *, proc: Path = Path("/proc/self/status")) -> int | None:
    try:
        for line in proc.read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def peak_reset() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS; False where the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass
class PeakRss:
    """The growth of this process's resident memory during a step, in MiB."""

    reset: bool = False
    rss_before_kib: int = 0
    maxrss_before_kib: int = 0
    growth_mib: float = 0.0

    def start(self) -> None:
        self.reset = peak_reset()
        self.rss_before_kib = _status_kib("VmRSS") or 0
        self.maxrss_before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def stop(self) -> None:
        peak = _status_kib("VmHWM") if self.reset else None
        if peak is not None:
            self.growth_mib = max(0, peak - self.rss_before_kib) / 1024
        else:  # without a reset only a new all-time high shows: a lower bound
            self.growth_mib = (
                max(0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.maxrss_before_kib) / 1024
            )


# --- Zengin import + match ------------------------------------------------------------------------


def _zengin_import() -> Callable[..., Any]:
    """``payments_import_zengin`` wherever this checkout keeps it (moving into a services package)."""
    for module in ("calsreg.billing.services.payments", "calsreg.billing.payments"):
        try:
            function = getattr(importlib.import_module(module), "payments_import_zengin", None)
        except ImportError:
            continue
        if function is not None:
            return function
    raise ImportError("payments_import_zengin not found")


@dataclass(frozen=True)
class ZenginFile:
    content: bytes
    rows: list[tuple[Any, ...]]  # the same transfers as plain rows, for the COPY baseline
    open_invoices: int


def zengin_file(*, seed: int) -> ZenginFile:
    """A transfer notice of ``ZENGIN_TRANSFERS`` records paying this data set's open invoices."""
    from bench.billing import zengin_transfers
    from calsreg.billing.models import Invoice, InvoiceKind
    from calsreg.billing.models.invoices import OPEN_STATUSES
    from calsreg.core import clock
    from tests.billing import zengin_writer

    today = clock.today()
    transfers = zengin_transfers(random.Random(seed), records=ZENGIN_TRANSFERS, today=today)
    content = zengin_writer.notice_file(
        transfers, created=today, booked_from=today - timedelta(days=30), booked_to=today
    )
    rows = [
        (number, t["booked"], t["amount"], t["name"], t.get("edi", ""))
        for number, t in enumerate(transfers, 1)
    ]
    open_invoices = Invoice.objects.filter(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES).count()
    return ZenginFile(content=content, rows=rows, open_invoices=open_invoices)


def copy_baseline(rows: Sequence[tuple[Any, ...]]) -> Cost:
    """The cost of ``COPY`` of ``rows`` into a scratch table (created and dropped untimed)."""
    with rolled_back(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_transfer_copy "
            "(number integer, booked date, amount bigint, payer text, edi text) ON COMMIT DROP"
        )
        raw = cursor.cursor

        def copy() -> None:
            with raw.copy("COPY bench_transfer_copy FROM STDIN") as stream:
                for row in rows:
                    stream.write_row(row)

        return measured(copy, backend=backend_pid())


def zengin_import_measured(file: ZenginFile, *, actor: Any) -> tuple[Cost, float, int]:
    """Import + match of ``file``, rolled back: its cost, the RSS growth (MiB) and how many matched."""
    imported = _zengin_import()
    peak = PeakRss()
    outcome: list[Any] = []
    with rolled_back():
        pid = backend_pid()
        peak.start()
        cost = measured(
            lambda: outcome.append(imported(content=file.content, filename="bench-zengin.txt", actor=actor)),
            backend=pid,
        )
        peak.stop()
    result = outcome[0].payment_import
    return cost, peak.growth_mib, int(result.matched_count)


@dataclass
class ZenginRounds:
    """Per data set, one value per round: CPU ms per record of the import and of COPY, RSS growth."""

    open_invoices: dict[str, int] = field(default_factory=dict)
    imported: dict[str, list[Cost]] = field(default_factory=dict)
    copied: dict[str, list[Cost]] = field(default_factory=dict)
    rss_mib: dict[str, list[float]] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)


def zengin_rows(rounds: ZenginRounds, *, records: int = ZENGIN_TRANSFERS) -> list[Row]:
    """One row per data set (import rate ÷ COPY rate, ≥ 0.1×) and one for the growth (≤ 1.3×)."""
    rows = []
    sets = [name for name in ZENGIN_SETS if name in rounds.imported]
    for name in sets:
        mine = [cost.cpu_ms / records for cost in rounds.imported[name]]
        copy = [cost.cpu_ms / records for cost in rounds.copied[name]]
        rss = Spread.of(rounds.rss_mib[name])
        rows.append(
            rate_row(
                f"zengin_{name}",
                f"Zengin import + match, {records} transfers, {rounds.open_invoices[name]:,} open invoices",
                "COPY of the same rows",
                ZENGIN_COPY_GOAL,
                mine,
                copy,
                note=_join(
                    f"peak RSS +{rss.high:.0f} MiB",
                    f"{rounds.matched.get(name, 0)} matched",
                    _backend_known([*rounds.imported[name], *rounds.copied[name]]),
                ),
                extra={
                    "records_per_cpu_second": round(1000 / Spread.of(mine).median, 1),
                    "copy_records_per_cpu_second": round(1000 / Spread.of(copy).median, 1),
                    "peak_rss_growth_mib": {"median": rss.median, "max": rss.high},
                    "open_invoices": rounds.open_invoices[name],
                },
            )
        )
    if len(sets) >= 2:
        small, big = sets[0], sets[-1]
        growth = Spread.of(
            ratios([c.cpu_ms for c in rounds.imported[big]], [c.cpu_ms for c in rounds.imported[small]])
        )
        rows.append(
            Row(
                "zengin_growth",
                f"Zengin import + match, {rounds.open_invoices[small]:,} → {rounds.open_invoices[big]:,} open invoices",
                f"same at {rounds.open_invoices[small]:,}",
                GROWTH_GOAL.text(),
                ratio=growth,
                measured_ms=Spread.of([c.cpu_ms / records for c in rounds.imported[big]]),
                against_ms=Spread.of([c.cpu_ms / records for c in rounds.imported[small]]),
                met=GROWTH_GOAL.met(growth.median),
            )
        )
    return rows


def run_zengin(
    *, rounds: int, use: Callable[[str], None], sets: Sequence[str], seed: int, say: Say
) -> ZenginRounds:
    from calsreg.records.services import Actor

    actor = Actor.system("bench")
    files: dict[str, ZenginFile] = {}
    for name in sets:
        use(name)
        files[name] = zengin_file(seed=seed)
    result = ZenginRounds(open_invoices={name: files[name].open_invoices for name in sets})
    say(f"measuring Zengin import + match, {rounds} rounds × {len(sets)} data sets …")
    for number, name in interleaved(list(sets), rounds=rounds):
        use(name)
        if number == 0:  # warm-up (code paths, caches), rolled back; a later switch costs only a connect
            zengin_import_measured(files[name], actor=actor)
        result.copied.setdefault(name, []).append(copy_baseline(files[name].rows))
        cost, rss, matched = zengin_import_measured(files[name], actor=actor)
        result.imported.setdefault(name, []).append(cost)
        result.rss_mib.setdefault(name, []).append(rss)
        result.matched[name] = matched
    return result


# --- billing run ---------------------------------------------------------------------------------


def rate_row(
    key: str,
    label: str,
    baseline: str,
    goal: Goal,
    mine: Sequence[float],
    theirs: Sequence[float],
    *,
    note: str = "",
    extra: dict[str, Any] | None = None,
) -> Row:
    """A row comparing rates: per round, the baseline's CPU per unit ÷ the measured side's (the
    measured rate as a share of the baseline's)."""
    ratio = Spread.of(ratios(theirs, mine))
    return Row(
        key,
        label,
        baseline,
        goal.text(),
        ratio=ratio,
        measured_ms=Spread.of(mine),
        against_ms=Spread.of(theirs),
        met=goal.met(ratio.median),
        note=note,
        extra=extra or {},
    )


def billing_row(run: Sequence[Cost], bare: Sequence[Cost], *, invoices: int) -> Row:
    """The run's invoices/s with PDFs ÷ the bare page rate (both per CPU second), ≥ 0.8×."""
    mine = [cost.cpu_ms for cost in run]
    theirs = [cost.cpu_ms for cost in bare]
    return rate_row(
        "billing_run",
        f"billing run, {invoices:,} invoices with PDFs, CPU per invoice",
        "the same invoices' pages rendered alone",
        BILLING_GOAL,
        mine,
        theirs,
        note=_backend_known([*run, *bare]),
        extra={
            "invoices_per_cpu_second": round(1000 / Spread.of(mine).median, 1),
            "bare_pages_per_cpu_second": round(1000 / Spread.of(theirs).median, 1),
        },
    )


def run_billing(*, rounds: int, say: Say) -> Row:
    """Per round: the billing run over every draft (rolled back) and each issued invoice's page
    rendered alone, ``invoice_pdf_bytes(invoice_print_from(invoice))``, in alternating order."""
    from calsreg.billing.models import Invoice
    from calsreg.billing.pdf.document import invoice_print_from
    from calsreg.billing.pdf.render import invoice_pdf_bytes
    from calsreg.billing.selectors import invoice_for_print
    from calsreg.billing.services.runs import billing_run
    from calsreg.core import clock
    from calsreg.records.services import Actor

    actor = Actor.system("bench")
    printed: list[Any] = []  # the issued invoices as the PDF code reads them, from the first run
    run_costs: list[Cost] = []
    bare_costs: list[Cost] = []

    def run_once() -> None:
        with rolled_back():
            outcome: list[Any] = []
            cost = measured(
                lambda: outcome.append(billing_run(run_month=clock.today(), actor=actor)),
                backend=backend_pid(),
            )
            run = outcome[0]
            if run.error or not run.issued_count:
                raise RuntimeError(f"billing run issued {run.issued_count}: {run.error[:300]}")
            run_costs.append(cost.per(run.issued_count))
            if not printed:
                ids = Invoice.objects.filter(billing_run=run).order_by("number").values_list("pk", flat=True)
                printed.extend(invoice_for_print(invoice_id=pk) for pk in ids)

    def bare_once() -> None:
        def render() -> None:
            for invoice in printed:
                invoice_pdf_bytes(invoice_print_from(invoice))

        bare_costs.append(measured(render, backend=backend_pid()).per(len(printed)))

    say(f"measuring the billing run, {rounds} rounds …")
    for _round, side in interleaved(["run", "bare"], rounds=rounds):
        if side == "run" or not printed:
            run_once()
        if side == "bare":
            bare_once()
    return billing_row(run_costs, bare_costs, invoices=len(printed))


# --- registration --------------------------------------------------------------------------------


@contextmanager
def hasher_timed(spent: list[float]) -> Iterator[None]:
    """Add the process CPU seconds of every password hash made meanwhile to ``spent``."""
    from django.contrib.auth.hashers import get_hasher

    hasher_class = type(get_hasher())
    original = hasher_class.encode

    def encode(self: Any, *args: Any, **kwargs: Any) -> str:
        started = time.process_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            spent.append(time.process_time() - started)

    hasher_class.encode = encode  # type: ignore[method-assign]
    try:
        yield
    finally:
        hasher_class.encode = original  # type: ignore[method-assign]


def registration_row(total: Sequence[Cost], hashing_ms: Sequence[float], *, alone_ms: float, per: int) -> Row:
    """The share of registration CPU (register + credential mails) spent in the password hasher."""
    shares = [
        hashed / cost.cpu_ms if cost.cpu_ms else 0.0 for hashed, cost in zip(hashing_ms, total, strict=True)
    ]
    share = Spread.of(shares)
    return Row(
        "registration",
        f"registration ({per} applications × 5 users, mails sent): share of CPU in the password hasher",
        f"one hash alone: {alone_ms:.0f} ms",
        "report (item 6)",
        ratio=share,
        measured_ms=Spread.of([cost.cpu_ms / per for cost in total]),
        against_ms=Spread.of([hashed / per for hashed in hashing_ms]),
        met=None,
        note="reported",
        extra={"share_percent": round(share.median * 100, 1), "hash_alone_ms": round(alone_ms, 1)},
    )


def run_registration(*, rounds: int, count: int, say: Say) -> Row:
    from django.conf import settings

    from bench import registration

    setting = registration.setting_prepare()
    saved = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    totals: list[Cost] = []
    hashing: list[float] = []
    say(f"measuring registration, {rounds} rounds × {count} applications …")
    try:
        for number in range(rounds + 1):  # round 0 warms up
            applications = registration._confirmed_applications(
                count=count, setting=setting, first_number=200_000 + number * count
            )
            registration.worker_run()  # the acknowledgments of the preparation, not measured
            spent: list[float] = []

            def register(applications: list[Any] = applications) -> None:
                for application in applications:
                    registration.project_register(application=application, actor=setting.desk)
                registration.worker_run()  # the credential mails: the initial passwords are hashed here

            with hasher_timed(spent):
                cost = measured(register, backend=backend_pid())
            if number:
                totals.append(cost)
                hashing.append(sum(spent) * 1000)
        alone = registration.password_hash_median_ms(repeat=5)
    finally:
        settings.EMAIL_BACKEND = saved
    return registration_row(totals, hashing, alone_ms=alone, per=count)


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)
