"""The billing benchmark: the billing run, a Zengin import, the suspension sweep (issue 4, seed step 6).

Three timings on generated data, in one database:

1. **Billing run**: ``invoices`` projects that started last month, each with its draft (lines from the
   real fee rules, ``fees.fee_lines`` / ``tax.totals_for``), written with ``bulk_create``; then
   ``billing_run()`` as the command runs it — one transaction, number, PDF and audit event per invoice,
   then the print bundle and the mailing list. Beside it, the bare rate of reportlab: the same
   invoice's page rendered with ``invoice_pdf_bytes`` again and again, without the database.
2. **Zengin import**: a transfer-notice file of ``zengin_records`` records written by the tests'
   independent writer (``tests/billing/zengin_writer.py``); parsing alone, then the whole
   ``payments_import_zengin()`` (parse, keep the file, insert the payments, match them).
3. **Suspension sweep**: ``sweep_invoices`` issued invoices of the last two years (most paid or not yet
   due, a few overdue, some of those deferred); one ``billing_suspension_sweep()``.

The projects come from ``bench.population`` (applications), one ``populate()`` for all three parts
(receipt numbers are per call). Meant for a throwaway database: projects and invoices cannot be
deleted again (PROTECT keys), so nothing is cleaned up but the database itself.
"""

from __future__ import annotations

import random
import statistics
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from typing import Any

from django.db import connection
from django.utils import timezone, translation

from bench.population import directory_ensure, populate, rows_write
from bench.work_targets import _zengin_import
from calsreg.accounts.models import Project, ProjectStatus
from calsreg.applications.models import Application
from calsreg.billing.demo import load_demo_billing
from calsreg.billing.due_dates import arrival_for_posting, due_date_for_arrival, month_start
from calsreg.billing.fees import FeeInputs, fee_lines
from calsreg.billing.models import (
    FeePlan,
    FeePlanKind,
    Invoice,
    InvoiceCounter,
    InvoiceDeferral,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
)
from calsreg.billing.models.invoices import OPEN_STATUSES
from calsreg.billing.numbering import customer_code_for
from calsreg.billing.pdf.document import invoice_print_from
from calsreg.billing.pdf.render import invoice_pdf_bytes
from calsreg.billing.selectors import invoice_for_print
from calsreg.billing.services.dunning import billing_suspension_sweep
from calsreg.billing.services.runs import billing_run
from calsreg.billing.tax import tax_rate_on, totals_for
from calsreg.billing.zengin.parser import parse_transfer_notice
from calsreg.core import clock
from calsreg.directory.models import OrdererOffice
from calsreg.records.services import Actor
from tests.billing import zengin_writer

BATCH_SIZE = 5_000
BARE_RENDERS = 300  # renders of one page for the bare reportlab rate (fewer if fewer invoices)
HISTORY_MONTHS = 24  # the sweep's invoices were issued over the last two years
# Of the invoices past their due date: unpaid (each suspends its project unless deferred) …
OVERDUE_UNPAID_SHARE = 0.04
DEFERRED_SHARE = 0.2  # … and of those, deferred by the agent
PAID_EARLY_SHARE = 0.15  # of the invoices not yet due: paid already
FEE_SHORTFALLS = (440, 660, 880)  # bank fees deducted by the payer (within the default tolerance)
OTHER_PAYERS = ("ﾀﾅｶ ｲﾁﾛｳ", "ｻﾄｳ ｹﾝｾﾂ", "ﾔﾏﾀﾞｺｳｷﾞﾖｳ(ｶ", "ｶ)ﾎｸｴﾂﾄﾞﾎﾞｸ", "ﾆｲｶﾞﾀｿｸﾘﾖｳ(ﾕ", "ｽｽﾞｷ ﾊﾅｺ")
ACTOR_LABEL = "bench"
Say = Callable[[str], None]


@dataclass
class RunResult:
    invoices: int
    populate_seconds: float
    run_seconds: float
    issue_seconds: float  # the per-invoice loop (number, PDF, file, audit), up to the last progress call
    finish_seconds: float  # the print bundle (one PDF of every page) and the mailing list
    issued: int
    pdf_bytes_median: int
    bare_renders: int
    bare_seconds: float

    @property
    def run_per_second(self) -> float:
        return self.issued / self.run_seconds

    @property
    def issue_per_second(self) -> float:
        return self.issued / self.issue_seconds

    @property
    def bare_per_second(self) -> float:
        return self.bare_renders / self.bare_seconds


@dataclass
class ZenginResult:
    records: int
    file_bytes: int
    write_seconds: float
    parse_seconds: float
    import_seconds: float  # payments_import_zengin() as a whole, parsing included
    matched: int
    partially_matched: int
    unmatched: int
    open_invoices_before: int

    @property
    def import_and_match_seconds(self) -> float:
        return self.import_seconds - self.parse_seconds


@dataclass
class SweepResult:
    invoices: int
    populate_seconds: float
    overdue_unpaid: int
    deferred: int
    sweep_seconds: float
    suspended: int


@dataclass
class BillingResults:
    run: RunResult
    sweep: SweepResult
    zengin: ZenginResult
    today: date
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "run": {
                **asdict(self.run),
                "run_per_second": round(self.run.run_per_second, 2),
                "issue_per_second": round(self.run.issue_per_second, 2),
                "bare_per_second": round(self.run.bare_per_second, 2),
            },
            "zengin": {
                **asdict(self.zengin),
                "import_and_match_seconds": self.zengin.import_and_match_seconds,
            },
            "sweep": asdict(self.sweep),
        }


def billing_benchmark(
    *, invoices: int, zengin_records: int, sweep_invoices: int, seed: int = 2026, progress: Say | None = None
) -> BillingResults:
    say = progress or (lambda message: None)
    rng = random.Random(seed)
    today = clock.today()
    actor = Actor.system(ACTOR_LABEL)

    started = time.perf_counter()
    directory_ensure()
    plans = _plans()
    say(f"populating {invoices + sweep_invoices:,} applications …")
    application_ids = populate(size=invoices + sweep_invoices, seed=seed).application_ids
    rng.shuffle(application_ids)
    shared_seconds = time.perf_counter() - started

    say(f"{invoices:,} projects with drafts …")
    started = time.perf_counter()
    _projects_with_invoices(rng, application_ids[:invoices], plans=plans, today=today, drafts=True)
    _analyze()
    run = _billing_run(invoices=invoices, actor=actor, today=today, say=say)
    run.populate_seconds = shared_seconds * invoices / (invoices + sweep_invoices) + (
        time.perf_counter() - started - run.run_seconds - run.bare_seconds
    )

    say(f"{sweep_invoices:,} projects with issued invoices …")
    started = time.perf_counter()
    _projects_with_invoices(rng, application_ids[invoices:], plans=plans, today=today, drafts=False)
    _analyze()
    populate_seconds = shared_seconds * sweep_invoices / (invoices + sweep_invoices)
    populate_seconds += time.perf_counter() - started
    sweep = _sweep(today=today, populate_seconds=populate_seconds, total=sweep_invoices, say=say)

    zengin = _zengin(rng, records=zengin_records, today=today, actor=actor, say=say)
    return BillingResults(run=run, sweep=sweep, zengin=zengin, today=today)


# --- 1. billing run ----------------------------------------------------------------------------------


def _billing_run(*, invoices: int, actor: Actor, today: date, say: Say) -> RunResult:
    say(f"billing run over {invoices:,} drafts …")
    marks: dict[str, float] = {}

    def progress(done: int, total: int) -> None:
        if done == total:
            marks["issued"] = time.perf_counter()
        elif done % 1000 == 0:
            say(f"  {done:,} / {total:,}")

    started = time.perf_counter()
    run = billing_run(run_month=today, actor=actor, progress=progress)
    finished = time.perf_counter()
    if run.error:
        raise RuntimeError(f"billing run failed: {run.error[:500]}")
    issue_end = marks.get("issued", finished)

    sizes = sorted(
        Invoice.objects.filter(billing_run=run).values_list("documents__size_bytes", flat=True)[:1000]
    )
    renders = min(BARE_RENDERS, max(invoices, 1))
    say(f"bare reportlab: one invoice's page rendered {renders} times …")
    invoice = invoice_for_print(invoice_id=Invoice.objects.filter(billing_run=run).order_by("number")[0].pk)
    doc = invoice_print_from(invoice)
    invoice_pdf_bytes(doc)  # warm-up: font registration and subsetting tables
    bare_started = time.perf_counter()
    for _ in range(renders):
        invoice_pdf_bytes(doc)
    bare_seconds = time.perf_counter() - bare_started
    return RunResult(
        invoices=invoices,
        populate_seconds=0.0,
        run_seconds=finished - started,
        issue_seconds=issue_end - started,
        finish_seconds=finished - issue_end,
        issued=run.issued_count,
        pdf_bytes_median=int(statistics.median(sizes)) if sizes else 0,
        bare_renders=renders,
        bare_seconds=bare_seconds,
    )


# --- 3. suspension sweep -----------------------------------------------------------------------------


def _sweep(*, today: date, populate_seconds: float, total: int, say: Say) -> SweepResult:
    overdue = Invoice.objects.overdue(today=today)
    overdue_unpaid = overdue.count()
    deferred = overdue.filter(deferrals__until__gte=today).distinct().count()
    say(f"suspension sweep over {total:,} invoices ({overdue_unpaid:,} overdue, {deferred:,} deferred) …")
    started = time.perf_counter()
    suspended = billing_suspension_sweep(today=today)
    return SweepResult(
        invoices=total,
        populate_seconds=populate_seconds,
        overdue_unpaid=overdue_unpaid,
        deferred=deferred,
        sweep_seconds=time.perf_counter() - started,
        suspended=suspended,
    )


# --- 2. Zengin import --------------------------------------------------------------------------------


def _zengin(rng: random.Random, *, records: int, today: date, actor: Actor, say: Say) -> ZenginResult:
    say(f"writing a Zengin file of {records:,} records …")
    started = time.perf_counter()
    transfers = zengin_transfers(rng, records=records, today=today)
    content = zengin_writer.notice_file(
        transfers, created=today, booked_from=today - timedelta(days=30), booked_to=today
    )
    write_seconds = time.perf_counter() - started
    open_before = Invoice.objects.filter(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES).count()

    started = time.perf_counter()
    parse_transfer_notice(content, today=today)
    parse_seconds = time.perf_counter() - started
    say("importing and matching …")
    started = time.perf_counter()
    result = _zengin_import()(content=content, filename="bench-zengin.txt", actor=actor)
    import_seconds = time.perf_counter() - started
    imported = result.payment_import
    return ZenginResult(
        records=records,
        file_bytes=len(content),
        write_seconds=write_seconds,
        parse_seconds=parse_seconds,
        import_seconds=import_seconds,
        matched=imported.matched_count,
        partially_matched=imported.partially_matched_count,
        unmatched=imported.unmatched_count,
        open_invoices_before=open_before,
    )


def zengin_transfers(rng: random.Random, *, records: int, today: date) -> list[dict[str, Any]]:
    """Keyword arguments of ``zengin_writer.data`` for ``records`` transfers.

    Nine in ten open invoices are paid (in random order): most quote the customer code in the EDI
    field (some short by a bank fee, some paying half), some quote only the invoice number, some
    nothing (matched by amount and payer name). Two invoices of one payer are sometimes paid in one
    transfer. The rest, up to ``records``, are other payers' transfers that match nothing.
    """
    open_invoices = list(
        Invoice.objects.filter(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("customer_code", "number", "total", "payer_kana")
    )
    rng.shuffle(open_invoices)
    transfers: list[dict[str, Any]] = []
    paying = open_invoices[: int(len(open_invoices) * 0.9)]
    index = 0
    while index < len(paying) and len(transfers) < records:
        code, number, total, kana = paying[index]
        index += 1
        booked = today - timedelta(days=rng.randint(0, 29))
        name = zengin_name(kana)
        roll = rng.random()
        if roll < 0.55:
            transfer = {"amount": total, "edi": code}
        elif roll < 0.70:
            transfer = {"amount": total - rng.choice(FEE_SHORTFALLS), "edi": code}
        elif roll < 0.75:
            transfer = {"amount": total // 2, "edi": code}
        elif roll < 0.82:
            transfer = {"amount": total, "edi": number}
        elif roll < 0.97 or index >= len(paying):
            transfer = {"amount": total}
        else:  # two invoices in one transfer, both codes in the EDI field
            code2, _number2, total2, _kana2 = paying[index]
            index += 1
            transfer = {"amount": total + total2, "edi": f"{code} {code2}"[:20]}
        transfers.append({**transfer, "name": name, "booked": booked})
    while len(transfers) < records:
        transfers.append(
            {
                "amount": rng.randrange(5_000, 500_000, 10),
                "name": rng.choice(OTHER_PAYERS),
                "booked": today - timedelta(days=rng.randint(0, 29)),
            }
        )
    return transfers[:records]


@lru_cache(maxsize=1)
def _half_width_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in range(0xFF66, 0xFFA0):
        half = chr(code)
        for suffix in ("", "ﾞ", "ﾟ"):
            full = unicodedata.normalize("NFKC", half + suffix)
            if len(full) == 1 and full not in table:
                table[full] = half + suffix
    table["ー"] = "-"
    table["　"] = table[" "] = " "
    return table


def zengin_name(kana: str) -> str:
    """The payer name a bank transmits: half-width katakana, legal form abbreviated (ｶ)ｴﾁｺﾞｹﾝｾﾂ)."""
    name = kana.replace("　", " ").strip()
    prefix = suffix = ""
    for spelt, short in (("カブシキガイシャ", "ｶ"), ("ユウゲンガイシャ", "ﾕ"), ("ゴウドウガイシャ", "ﾄﾞ")):
        if name.startswith(spelt):
            name, prefix = name[len(spelt) :], f"{short})"
        elif name.endswith(spelt):
            name, suffix = name[: -len(spelt)], f"({short}"
    table = _half_width_table()
    half = "".join(table.get(char, "") for char in name.replace(" ", ""))
    return f"{prefix}{half}{suffix}"[:48]


# --- population --------------------------------------------------------------------------------------


def _plans() -> dict[int, FeePlan]:
    """The demo issuer and plan; every organisation with offices gets a flat monthly plan."""
    load_demo_billing()
    plans: dict[int, FeePlan] = {}
    for organisation_id in OrdererOffice.objects.values_list("organisation_id", flat=True).distinct():
        plan = FeePlan.objects.filter(organisation_id=organisation_id).order_by("active_from").first()
        if plan is None:
            plan = FeePlan.objects.create(
                organisation_id=organisation_id,
                name="ベンチマーク 標準プラン（月額）",
                kind=FeePlanKind.FLAT_MONTHLY,
                active_from=date(2019, 10, 1),
                monthly_fee=4_000,
                invoice_cutoff_day=15,
            )
        plans[organisation_id] = plan
    return plans


@lru_cache(maxsize=64)
def _dates_of_run(run_month: date) -> tuple[date, date, date]:
    """Issue date (the run, on the 1st), posting (two days later), due date (holiday-aware)."""
    issue = run_month
    posted = issue + timedelta(days=2)
    return issue, posted, due_date_for_arrival(arrival_on=arrival_for_posting(posted_on=posted))


def _projects_with_invoices(
    rng: random.Random, application_ids: list[int], *, plans: dict[int, FeePlan], today: date, drafts: bool
) -> None:
    """A started project per application and its invoice: a draft due in this month's run (drafts),
    or an invoice issued in one of the last ``HISTORY_MONTHS`` runs, in a realistic state."""
    Application.objects.filter(pk__in=application_ids).update(status="in_service")
    office_organisation = dict(OrdererOffice.objects.values_list("pk", "organisation_id"))
    rate = tax_rate_on(today)
    counters = dict(InvoiceCounter.objects.values_list("series", "last"))
    this_month = month_start(today)
    now = timezone.now()
    for start in range(0, len(application_ids), BATCH_SIZE):
        rows = list(
            Application.objects.filter(pk__in=application_ids[start : start + BATCH_SIZE]).values(
                "pk",
                "office_id",
                "project_number",
                "project_name",
                "project_location",
                "period_start",
                "period_end",
                "contract_amount",
                "contractor_name",
                "contractor_kana",
                "billing_addressee",
                "billing_department",
                "billing_postcode",
                "billing_address",
                "billing_phone",
            )
        )
        plan_of: list[FeePlan] = []
        run_months: list[date] = []
        started_days: list[date] = []
        for row in rows:
            plan_of.append(plans[office_organisation[row["office_id"]]])
            run_month = (
                this_month if drafts else month_start(today, months_ahead=-rng.randrange(HISTORY_MONTHS))
            )
            run_months.append(run_month)
            # Started between the 1st and the cut-off (15th) of the month before the run month.
            started_days.append(month_start(run_month, months_ahead=-1) + timedelta(days=rng.randrange(15)))
        projects = rows_write(
            Project,
            [
                Project(
                    application_id=row["pk"],
                    office_id=row["office_id"],
                    project_number=row["project_number"],
                    name=row["project_name"],
                    location=row["project_location"],
                    period_start=row["period_start"],
                    period_end=row["period_end"],
                    contract_amount=row["contract_amount"],
                    contractor_name=row["contractor_name"],
                    status=ProjectStatus.ACTIVE,
                    started_at=timezone.make_aware(datetime.combine(started_on, dtime(10, 0))),
                )
                for row, started_on in zip(rows, started_days, strict=True)
            ],
        )
        invoices: list[Invoice] = []
        lines: list[list[Any]] = []
        deferred: list[Invoice] = []
        for row, project, plan, run_month, started_on in zip(
            rows, projects, plan_of, run_months, started_days, strict=True
        ):
            inputs = FeeInputs(
                period_start=row["period_start"],
                period_end=row["period_end"],
                original_contract_amount=row["contract_amount"],
            )
            with translation.override("ja"):
                fee = fee_lines(plan=plan, inputs=inputs)
            totals = totals_for((line.amount, rate) for line in fee)
            invoice = Invoice(
                kind=InvoiceKind.INVOICE,
                status=InvoiceStatus.DRAFT,
                project=project,
                fee_plan=plan,
                billing_addressee=row["billing_addressee"],
                billing_department=row["billing_department"],
                billing_postcode=row["billing_postcode"],
                billing_address=row["billing_address"],
                billing_phone=row["billing_phone"],
                payer_kana=row["contractor_kana"],
                customer_code=customer_code_for(project_id=project.pk),
                transaction_date=started_on,
                run_month=run_month,
                subtotal=totals.subtotal,
                tax=totals.tax,
                total=totals.total,
                tax_breakdown=[part.as_dict() for part in totals.parts],
            )
            if not drafts and _issued_state(rng, invoice, today=today, counters=counters, now=now):
                deferred.append(invoice)
            invoices.append(invoice)
            lines.append(
                [
                    InvoiceLine(
                        position=position,
                        description=line.description,
                        quantity=line.quantity,
                        unit=line.unit,
                        unit_price=line.unit_price,
                        amount=line.amount,
                        tax_rate_percent=rate,
                        explanation={
                            **line.explanation,
                            "tax_rate_percent": rate,
                            "started_on": started_on.isoformat(),
                        },
                    )
                    for position, line in enumerate(fee, start=1)
                ]
            )
        rows_write(Invoice, invoices)
        for invoice, invoice_lines in zip(invoices, lines, strict=True):
            for line in invoice_lines:
                line.invoice = invoice
        rows_write(InvoiceLine, [line for group in lines for line in group])
        rows_write(
            InvoiceDeferral,
            [
                InvoiceDeferral(
                    invoice=invoice,
                    until=today + timedelta(days=14),
                    reason="分割払いの相談中",
                    granted_by_label=ACTOR_LABEL,
                )
                for invoice in deferred
            ],
        )
    for series, last in counters.items():
        InvoiceCounter.objects.update_or_create(series=series, defaults={"last": last})


def invoices_populate(application_ids: list[int], *, seed: int, drafts: bool) -> int:
    """A started project and an invoice for each application: drafts due in this month's run, or
    invoices issued and still open (posted, unpaid) for the Zengin import to match; returns how many."""
    rng = random.Random(seed)
    today = clock.today()
    _projects_with_invoices(rng, application_ids, plans=_plans(), today=today, drafts=drafts)
    if not drafts:
        Invoice.objects.filter(kind=InvoiceKind.INVOICE).update(status=InvoiceStatus.POSTED)
        InvoiceDeferral.objects.all().delete()
    return len(application_ids)


def _issued_state(
    rng: random.Random, invoice: Invoice, *, today: date, counters: dict[str, int], now: datetime
) -> bool:
    """Make ``invoice`` issued and posted in its run month, then paid or owed; True if it is to be
    deferred (overdue, unpaid, and the agent granted time)."""
    issue, posted, due = _dates_of_run(invoice.run_month)
    series = str(issue.year)
    counters[series] = counters.get(series, 0) + 1
    invoice.number = f"{series}-{counters[series]:06d}"
    invoice.issue_date = issue
    invoice.issued_at = timezone.make_aware(datetime.combine(issue, dtime(9, 0)))
    invoice.posted_on = posted
    invoice.arrival_on = arrival_for_posting(posted_on=posted)
    invoice.printed_due_on = invoice.due_on = due
    invoice.issuer_snapshot = {"bench": True}
    if due < today:
        owed = rng.random() < OVERDUE_UNPAID_SHARE
        invoice.status = InvoiceStatus.POSTED if owed else InvoiceStatus.PAID
        return owed and rng.random() < DEFERRED_SHARE
    invoice.status = InvoiceStatus.PAID if rng.random() < PAID_EARLY_SHARE else InvoiceStatus.POSTED
    return False


def _analyze() -> None:
    # VACUUM can't run in a transaction: inside a test's transaction (the smoke test) it is skipped.
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in (Project, Invoice, InvoiceLine, InvoiceDeferral, Application):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- output ------------------------------------------------------------------------------------------


def results_text(results: BillingResults, *, database: str) -> str:
    run, zengin, sweep = results.run, results.zengin, results.sweep
    ratio = run.bare_per_second / run.run_per_second
    lines = [
        f"billing benchmark — {database}",
        "",
        f"billing run, {run.issued:,} invoices: {run.run_seconds:.1f} s = {run.run_per_second:.1f} invoices/s "
        f"with PDF (per-invoice loop {run.issue_seconds:.1f} s = {run.issue_per_second:.1f}/s; "
        f"bundle + mailing list {run.finish_seconds:.1f} s); PDF median {run.pdf_bytes_median:,} bytes",
        f"bare reportlab, same page × {run.bare_renders}: {run.bare_per_second:.1f} pages/s "
        f"→ the run is {ratio:.1f}× slower than rendering alone",
        f"Zengin import, {zengin.records:,} records ({zengin.file_bytes / 1e6:.1f} MB): parse "
        f"{zengin.parse_seconds:.1f} s, import + match {zengin.import_and_match_seconds:.1f} s "
        f"(whole call {zengin.import_seconds:.1f} s); matched {zengin.matched:,}, partial "
        f"{zengin.partially_matched:,}, unmatched {zengin.unmatched:,} "
        f"({zengin.open_invoices_before:,} open invoices before)",
        f"suspension sweep, {sweep.invoices:,} issued invoices ({sweep.overdue_unpaid:,} overdue unpaid, "
        f"{sweep.deferred:,} of them deferred): {sweep.sweep_seconds:.1f} s, {sweep.suspended:,} suspended",
        f"(populate: run {run.populate_seconds:.1f} s, sweep {sweep.populate_seconds:.1f} s; "
        f"file generation {zengin.write_seconds:.1f} s)",
    ]
    return "\n".join(lines)


def billing_main(args: Any, *, external: bool, say: Say) -> int:
    """``python -m bench billing``: run on the chosen database, print, write bench/results/…-billing.json."""
    import os

    from django.core.management import call_command

    from bench.report import cpu_model, results_write

    if external:
        # Projects and invoices cannot be removed again cleanly (PROTECT keys).
        say("refused: the billing benchmark needs a throwaway database (unset DATABASE_URL, or --sqlite)")
        return 2
    call_command("migrate", interactive=False, verbosity=0)
    results = billing_benchmark(
        invoices=args.invoices,
        zengin_records=args.zengin_records,
        sweep_invoices=args.sweep_invoices,
        seed=args.seed,
        progress=say,
    )
    vendor = f"{connection.vendor} {_server_version()}"
    print()
    print(results_text(results, database=f"{vendor}, {os.cpu_count()} cores, {cpu_model()}"))
    recorded_at = datetime.now().astimezone()
    document = {
        "benchmark": "billing",
        "recorded_at": recorded_at.isoformat(timespec="seconds"),
        "database": vendor,
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count()},
        "seed": args.seed,
        **results.as_dict(),
    }
    path = results_write(document, recorded_at=recorded_at)
    print(f"\nwritten: {path.relative_to(path.parent.parent.parent)}")
    return 0


def _server_version() -> str:
    import sqlite3

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return str(cursor.fetchone()[0])
    return sqlite3.sqlite_version
