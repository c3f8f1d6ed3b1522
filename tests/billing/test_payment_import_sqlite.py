"""SQLite keeps taking public writes while a large payment file is imported by another process.

The import runs in a child process against a file SQLite database (a copy of the test's in-memory
one), committing in batches; a second child submits applications the way the portal does the whole
time. No write may fail with "database is locked" and the import must end with the right counts.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from calsreg.applications.models import ReceiptCounter
from calsreg.billing.services.payments import payments_import_csv
from calsreg.records.services import Actor
from tests.billing.test_payment_import_batches import statement
from tests.billing.test_payments_import import ECHIGO, SATO, make_invoice
from tests.factories import SupervisorFactory, UserFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite file's locking is the subject"),
    pytest.mark.django_db(transaction=True),
]

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
TRANSFERS = 20_000
BATCH = "100"

IMPORT = """
from calsreg.billing.services.payment_imports import payment_import_queued_execute
done = payment_import_queued_execute(import_id={import_id})
print("IMPORT", done.status, done.inserted, done.done, done.matched_count, done.unmatched_count)
"""

# Submits applications through the validator and submit service until the import has finished,
# noting how many went in while it was running.
WRITES = """
import time
from calsreg.billing.models import PaymentImport
from calsreg.directory.models import Supervisor
from tests.api.helpers import application_submitted
supervisor = Supervisor.objects.get()
saved = failed = during = 0
slowest = 0.0
while saved + failed < 2000:
    status = PaymentImport.objects.values_list("status", flat=True).get()
    started = time.monotonic()
    try:
        application_submitted(office=supervisor.office, supervisors=[supervisor], project_number=f"W-{saved:04d}")
        saved += 1
        during += status == "running"
    except Exception as error:
        failed += 1
        print("FAILED", repr(error))
    slowest = max(slowest, time.monotonic() - started)
    if status in ("finished", "failed"):
        break
print("WRITES", saved, failed, during, round(slowest, 2))
"""


def _file_copy(path: Path) -> str:
    """The test's in-memory database copied to ``path``, as a DATABASE_URL for the children."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


def _last_line(output: str, tag: str) -> list[str]:
    return [line.split()[1:] for line in output.splitlines() if line.startswith(f"{tag} ")][-1]


def test_public_writes_keep_working_on_sqlite_while_a_large_import_runs(spawn, tmp_path, settings):
    # given: two invoices, a supervisor to apply with, and a 20,000-transfer file queued for the worker
    with time_machine.travel(NOW, tick=False):
        echigo = make_invoice(total=44_000, company=ECHIGO)
        make_invoice(total=33_000, company=SATO)
        SupervisorFactory()
        # The invoice builders number their applications A2026-00001…: the portal's start after them.
        ReceiptCounter.objects.create(year=2026, last=1000)
        agent = Actor.staff(UserFactory(role="billing_agent"))
        content = statement(echigo.customer_code, unmatched=TRANSFERS - 2)
        queued = payments_import_csv(content=content, filename="large.csv", actor=agent).payment_import
        database = _file_copy(tmp_path / "calsreg.sqlite3")
        env = {"DATABASE_URL": database, "CALSREG_PAYMENT_MATCH_BATCH": BATCH}

        # when: one process imports it while another submits applications
        importer = spawn("shell", "-c", IMPORT.format(import_id=queued.pk), env=env)
        writer = spawn("shell", "-c", WRITES, env=env)
        assert importer.wait(timeout=240) == 0, importer.output()
        assert writer.wait(timeout=60) == 0, writer.output()

    # then: the import is complete and right, and every write was saved, some during the import
    assert _last_line(importer.output(), "IMPORT") == ["finished", "20000", "20000", "2", "19998"]
    saved, failed, during, _slowest = _last_line(writer.output(), "WRITES")
    assert (int(failed), "FAILED" in writer.output()) == (0, False)
    # At least one write went through while the import was running (how many depends on the machine).
    assert int(during) >= 1
    with sqlite3.connect(tmp_path / "calsreg.sqlite3") as stored:
        applications = stored.execute(
            "SELECT count(*) FROM applications_application WHERE project_number LIKE 'W-%'"
        ).fetchone()[0]
        payments = stored.execute("SELECT count(*) FROM billing_payment").fetchone()[0]
    assert (applications, payments) == (int(saved), TRANSFERS)
