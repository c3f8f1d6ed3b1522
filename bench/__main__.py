"""``python -m bench [targets] [--only queue,dashboard] [--quick] [--rounds 3] [--repeat 10]`` (the targets
table, the default) and ``python -m bench queue [--sizes 1000,100000] [--repeat 20] [--sqlite]`` and
``python -m bench registration [--count 50] [--sqlite]`` and ``python -m bench billing [--invoices 10000]
[--zengin-records 100000] [--sweep-invoices 100000] [--sqlite]`` and ``python -m bench dashboard
[--sizes 1000,100000] [--repeat 20] [--sqlite]`` and ``python -m bench sso [--repeat 20] [--users 30]
[--parties 3] [--rounds 3] [--sqlite]`` and ``python -m bench load [--users 50] [--seconds 120]
[--applications 10000]`` (see bench/README.md)."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import shutil
import signal
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime

from bench.database import BenchDatabase, bench_database

BENCHMARKS = ("targets", "queue", "registration", "billing", "dashboard", "sso", "search", "load")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _defaults(_parser().parse_args(argv), argv)
    # A plain `kill` should clean up like Ctrl-C does: stop the cluster, remove the temporary files.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        with ExitStack() as stack:
            database = stack.enter_context(bench_database(sqlite=args.sqlite))
            if args.benchmark in ("targets", "registration", "billing", "sso", "load"):
                stack.enter_context(_scratch_media())
            if args.benchmark == "sso":
                _oidc_key_ensure()
            _say(f"database: {database.description}")
            _django_setup()
            if args.benchmark == "targets":
                from bench.run_targets import targets_main

                if database.external:
                    _say(
                        "refused: the targets table creates databases beside the one in DATABASE_URL; unset it"
                    )
                    return 2
                return targets_main(args, say=_say)
            if args.benchmark == "registration":
                return _run_registration(args, database=database)
            if args.benchmark == "billing":
                from bench.billing import billing_main

                return billing_main(args, external=database.external, say=_say)
            if args.benchmark == "sso":
                return _run_sso(args, database=database)
            if args.benchmark == "dashboard":
                from bench.dashboard import dashboard_main

                return dashboard_main(args, external=database.external, say=_say)
            if args.benchmark == "load":
                from bench.load import load_main

                if args.sqlite:
                    _say("refused: the load benchmark runs on PostgreSQL only")
                    return 2
                return load_main(args, external=database.external, say=_say)
            if args.benchmark == "search":
                from bench.search import search_main

                return search_main(args, external=database.external, say=_say)
            return _run_queue(args, external=database.external)
    except KeyboardInterrupt:
        _say("interrupted; the temporary database has been removed")
        return 130


def _run_queue(args: argparse.Namespace, *, external: bool) -> int:
    from django.core.management import call_command

    from bench.queue import queue_benchmark_size
    from bench.report import results_json, results_table, results_write
    from calsreg.applications.models import Application

    call_command("migrate", interactive=False, verbosity=0)
    if external and Application.objects.exists():
        _say("refused: the database in DATABASE_URL holds applications, and the benchmark replaces them")
        return 2
    results = []
    try:
        for size in args.sizes:
            _say(f"{size:,} applications: populating and measuring ({args.repeat} repeats per page) …")
            results.append(queue_benchmark_size(size=size, repeat=args.repeat, seed=args.seed, analyze=True))
    finally:
        if external:
            _external_tidy()
    recorded_at = datetime.now().astimezone()
    document = results_json(results, repeat=args.repeat, seed=args.seed, recorded_at=recorded_at)
    path = results_write(document, recorded_at=recorded_at)
    print(
        f"\nqueue benchmark — {document['database']['vendor']} {document['database']['version']}, "
        f"{args.repeat} repeats, server time in-process\n"
    )
    print(results_table(results))
    print(f"\nwritten: {path.relative_to(path.parent.parent.parent)}")
    return 0


def _run_registration(args: argparse.Namespace, *, database: BenchDatabase) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench.registration import registration_benchmark, results_text, smtp_sink
    from bench.report import cpu_model, results_write

    if database.external:
        # It registers projects and accounts, which cannot be removed again cleanly (PROTECT keys).
        _say(
            "refused: the registration benchmark needs a throwaway database (unset DATABASE_URL, or --sqlite)"
        )
        return 2
    call_command("migrate", interactive=False, verbosity=0)
    # The sink is aiosmtpd, which logs every SMTP command at INFO.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    with smtp_sink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        _say(f"mail: SMTP to an aiosmtpd sink on {sink.host}:{sink.port}")
        results = registration_benchmark(count=args.count, sink=sink, progress=_say)
    vendor = f"{connection.vendor} {_server_version()}"
    print()
    print(results_text(results, database=f"{vendor}, {os.cpu_count()} cores, {cpu_model()}"))
    recorded_at = datetime.now().astimezone()
    document = {
        "benchmark": "registration",
        "recorded_at": recorded_at.isoformat(timespec="seconds"),
        "database": vendor,
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count()},
        "count": args.count,
        "journey": results.journey.as_dict(),
        "throughput": results.throughput.as_dict(),
        "password_hash_ms": round(results.password_hash_ms, 1),
    }
    path = results_write(document, recorded_at=recorded_at)
    print(f"\nwritten: {path.relative_to(path.parent.parent.parent)}")
    return 0


def _run_sso(args: argparse.Namespace, *, database: BenchDatabase) -> int:
    from django.core.management import call_command
    from django.db import connection

    from bench.report import cpu_model, results_write
    from bench.sso import results_text as sso_text
    from bench.sso import sso_benchmark

    if database.external:
        # It registers projects, accounts and relying parties, which cannot be removed again cleanly.
        _say("refused: the sso benchmark needs a throwaway database (unset DATABASE_URL, or --sqlite)")
        return 2
    call_command("migrate", interactive=False, verbosity=0)
    results = sso_benchmark(
        repeat=args.repeat, users=args.users, parties=args.parties, rounds=args.rounds, progress=_say
    )
    vendor = f"{connection.vendor} {_server_version()}"
    print()
    print(sso_text(results, database=f"{vendor}, {os.cpu_count()} cores, {cpu_model()}"))
    recorded_at = datetime.now().astimezone()
    document = {
        "benchmark": "sso",
        "recorded_at": recorded_at.isoformat(timespec="seconds"),
        "database": vendor,
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count()},
        "tokens": results.tokens.as_dict(),
        "fanout": results.fanout.as_dict(),
    }
    path = results_write(document, recorded_at=recorded_at)
    print(f"\nwritten: {path.relative_to(path.parent.parent.parent)}")
    return 0


def _oidc_key_ensure() -> None:
    """A signing key for the run, as the tests make one (debug is off, so no development key)."""
    if not os.environ.get("CALSREG_OIDC_PRIVATE_KEY"):
        from calsreg.sso.keys import rsa_private_key_pem

        os.environ["CALSREG_OIDC_PRIVATE_KEY"] = rsa_private_key_pem()


def _server_version() -> str:
    import sqlite3

    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return str(cursor.fetchone()[0])
    return sqlite3.sqlite_version


@contextmanager
def _scratch_media() -> Iterator[None]:
    """Evidence files (each submission's original) go to a temporary folder, never to var/media."""
    directory = tempfile.mkdtemp(prefix="calsreg-bench-media-")
    previous = os.environ.get("CALSREG_MEDIA_ROOT")
    os.environ["CALSREG_MEDIA_ROOT"] = directory
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        if previous is None:
            os.environ.pop("CALSREG_MEDIA_ROOT", None)
        else:
            os.environ["CALSREG_MEDIA_ROOT"] = previous


def _external_tidy() -> None:
    from bench.population import population_reset
    from bench.queue import bench_views_forget

    bench_views_forget()
    population_reset()


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production-like: DEBUG on would keep every SQL statement and slow each request.
    os.environ["CALSREG_DEBUG"] = "0"
    # Debug off needs a signing key of its own (config/settings.py); a throwaway one will do here.
    os.environ.setdefault("CALSREG_SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    # force_login fires the login signal, which django-axes logs at INFO for every client.
    logging.getLogger("axes").setLevel(logging.WARNING)
    # WhiteNoise warns that collectstatic has not run; no static file is requested here.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Time calsreg's pages on generated data; without DATABASE_URL on a throwaway "
        "PostgreSQL cluster. See bench/README.md.",
    )
    parser.add_argument(
        "benchmark", nargs="?", default="targets", choices=BENCHMARKS, help="default: targets"
    )
    parser.add_argument(
        "--only", type=_names, default=None, help="targets: groups or target keys, e.g. queue,dashboard"
    )
    parser.add_argument("--quick", action="store_true", help="targets: small sizes, for a run in a minute")
    parser.add_argument(
        "--count",
        type=_positive,
        default=50,
        help="registration: timed journeys, and applications registered for the throughput (default 50)",
    )
    parser.add_argument(
        "--sizes", type=_sizes, default=[1_000, 100_000], help="comma-separated, e.g. 1000,100000"
    )
    parser.add_argument(
        "--repeat", type=_positive, default=20, help="timed requests per page (after one warm-up)"
    )
    parser.add_argument("--invoices", type=_positive, default=10_000, help="billing: drafts in the run")
    parser.add_argument(
        "--zengin-records", type=_positive, default=100_000, help="billing: records of the Zengin file"
    )
    parser.add_argument(
        "--sweep-invoices", type=_positive, default=100_000, help="billing: issued invoices for the sweep"
    )
    parser.add_argument(
        "--users",
        type=_positive,
        default=30,
        help="sso: people of the suspended project; load: users (default 50)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=120.0,
        help="load: duration of the timed part; targets: the web row's (default 60)",
    )
    parser.add_argument(
        "--applications", type=_positive, default=10_000, help="load: generated applications behind the pages"
    )
    parser.add_argument(
        "--parties", type=_positive, default=3, help="sso: relying parties they are signed in at"
    )
    parser.add_argument(
        "--rounds", type=_positive, default=3, help="targets: interleaved rounds; sso: suspensions timed"
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the generated data")
    parser.add_argument("--sqlite", action="store_true", help="run on a temporary SQLite file instead")
    return parser


def _defaults(args: argparse.Namespace, argv: list[str]) -> argparse.Namespace:
    """Defaults that differ by benchmark: the load benchmark's users, the targets' requests per side."""
    if args.benchmark == "load" and not any(arg.startswith("--users") for arg in argv):
        args.users = 50
    if args.benchmark == "targets" and not any(arg.startswith("--repeat") for arg in argv):
        args.repeat = 10
    if args.benchmark == "targets" and not any(arg.startswith("--users") for arg in argv):
        args.users = 50
    if args.benchmark == "targets" and not any(arg.startswith("--seconds") for arg in argv):
        args.seconds = 60.0  # the web row's timed total, over its rounds and both sides
    return args


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from error
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return int(text)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
