"""The results as a side-by-side table for the terminal and as JSON for bench/results/."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import django
from django.db import connection

from bench.queue import PAGES, SizeResult

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def results_table(results: Sequence[SizeResult]) -> str:
    """page | <size> … | ratio | queries — each size cell "median / p95 ms" and the part of one
    request spent in SQL; ratio of the medians of the largest to the smallest size; queries as one
    number, or "a → b" if they differ."""
    headers = ["page", *(f"{r.size:,}: median / p95 (SQL)" for r in results), "ratio", "queries"]
    rows = []
    for page in PAGES:
        timings = [r.timings[page.key] for r in results]
        cells = [f"{t.median_ms:.1f} / {t.p95_ms:.1f} ms ({t.sql_ms:.1f})" for t in timings]
        ratio = f"{timings[-1].median_ms / timings[0].median_ms:.1f}×" if len(timings) > 1 else "–"
        counts = sorted({t.queries for t in timings})
        queries = str(counts[0]) if len(counts) == 1 else " → ".join(str(t.queries) for t in timings)
        rows.append([page.label, *cells, ratio, queries])
    widths = [max(_width(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [_line(headers, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(row, widths) for row in rows]
    populate = ", ".join(f"{r.size:,}: {r.populate_seconds:.1f} s" for r in results)
    lines.append(f"(populate: {populate})")
    return "\n".join(lines)


def results_json(
    results: Sequence[SizeResult], *, repeat: int, seed: int, recorded_at: datetime
) -> dict[str, Any]:
    return {
        "benchmark": "queue",
        "recorded_at": recorded_at.isoformat(timespec="seconds"),
        "database": {"vendor": connection.vendor, "version": _database_version()},
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count()},
        "python": platform.python_version(),
        "django": django.get_version(),
        "repeat": repeat,
        "seed": seed,
        "sizes": [r.size for r in results],
        "populate_seconds": {str(r.size): round(r.populate_seconds, 2) for r in results},
        "pages": {
            page.key: {
                "label": page.label,
                "results": {str(r.size): r.timings[page.key].as_dict() for r in results},
            }
            for page in PAGES
        },
    }


def results_write(document: dict[str, Any], *, recorded_at: datetime) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{recorded_at:%Y%m%d-%H%M%S}-{document['benchmark']}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _database_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    if connection.vendor == "sqlite":
        return sqlite3.sqlite_version
    return ""


def _width(text: str) -> int:
    """Display width: East Asian wide characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = [cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths, strict=True)]
    return " | ".join(padded).rstrip()
