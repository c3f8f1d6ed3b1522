"""The mailbox row: its mix of messages, its arithmetic, the bare fetch against a real Dovecot, and
the whole row on 20 messages once the reader is there."""

from __future__ import annotations

import email
import shutil
from collections import Counter
from email import policy
from pathlib import Path

import pytest

from bench.cpu import Cost
from bench.mailbox_target import (
    MailboxRounds,
    attachments_make,
    bare_fetch,
    dovecot_running,
    kinds_for,
    mailbox_row,
    message_make,
    messages_append,
    run_mailbox,
)
from bench.population import directory_ensure
from bench.run_targets import WORK_TARGETS, datasets_needed
from bench.targets import QUICK_WORK_SIZES, WORK_SIZES
from calsreg.mailbox.models import MailboxMessage

needs_dovecot = pytest.mark.skipif(
    shutil.which("dovecot") is None and not Path("/usr/sbin/dovecot").exists(),
    reason="dovecot is not installed",
)


def test_the_mix_has_the_stated_proportions_in_any_count():
    assert Counter(kinds_for(1_000)) == {
        "application": 300,
        "reply": 250,
        "change_form": 100,
        "question": 150,
        "auto_reply": 100,
        "bounce": 100,
    }
    assert Counter(kinds_for(20)) == {
        "application": 6,
        "reply": 5,
        "change_form": 2,
        "question": 3,
        "auto_reply": 2,
        "bounce": 2,
    }
    assert (WORK_SIZES["mailbox"], QUICK_WORK_SIZES["mailbox"], WORK_TARGETS["mailbox"]) == (
        1_000,
        100,
        ("mailbox",),
    )
    assert datasets_needed([], ["mailbox"]) == {"mailbox": "mailbox"}


def test_the_row_is_met_on_the_processing_rate_and_shows_the_ratio_to_the_bare_fetch():
    rounds = MailboxRounds(
        fetched=[Cost(100.0, 100.0, 250.0), Cost(150.0, 50.0, 250.0), Cost(100.0, 200.0, 400.0)],
        processed=[
            Cost(20_000.0, 20_000.0, 60_000.0),
            Cost(50_000.0, 0.0, 60_000.0),
            Cost(40_000.0, 0.0, 9.0),
        ],
        count=1_000,
    )

    row = mailbox_row(rounds)

    # CPU per message: processing 40, 50, 40 ms → 25, 20, 25 msg/CPU-s; fetch 0.2, 0.2, 0.3 ms.
    assert (row.measured_ms.median, row.against_ms.median) == (40.0, 0.2)
    assert (row.ratio.low, row.ratio.median, row.ratio.high) == (0.004, 0.005, 0.0075)
    assert (row.met, row.extra["messages_per_cpu_second"], row.goal) == (True, 25.0, "≥ 20 msg/CPU-s")
    assert row.extra["fetch_messages_per_cpu_second"] == 5000.0
    slow = MailboxRounds(fetched=rounds.fetched, processed=[Cost(60_000.0, 0.0, 1.0)] * 3, count=1_000)
    assert mailbox_row(slow).met is False


@pytest.mark.django_db
def test_every_kind_of_message_is_a_well_formed_mail():
    directory_ensure()
    files = attachments_make()

    parsed = {
        kind: email.message_from_bytes(
            message_make(kind, number=7, tag="t", files=files), policy=policy.default
        )
        for kind in ("application", "reply", "change_form", "question", "auto_reply", "bounce")
    }

    assert [p.get_content_type() for p in parsed.values()] == [
        "multipart/mixed",
        "text/plain",
        "text/plain",  # no project in this data set: a change form without its workbook
        "text/plain",
        "text/plain",
        "multipart/report",
    ]
    (workbook,) = parsed["application"].iter_attachments()
    assert workbook.get_content()[:2] == b"PK"
    assert (parsed["reply"]["In-Reply-To"], parsed["auto_reply"]["Auto-Submitted"]) == (
        "<confirmation-7@calsreg.example.jp>",
        "auto-replied",
    )
    assert [part.get_content_type() for part in parsed["bounce"].iter_parts()] == [
        "text/plain",
        "message/delivery-status",
    ]
    assert {p["Message-ID"] for p in parsed.values()} == {"<bench-t-7@example.jp>"}


@needs_dovecot
@pytest.mark.django_db
def test_the_bare_fetch_reads_exactly_the_rounds_messages_from_a_real_dovecot():
    directory_ensure()
    files = attachments_make()
    kinds = kinds_for(20)
    with dovecot_running() as server:
        messages_append(
            server, [message_make(k, number=i, tag="r0", files=files) for i, k in enumerate(kinds)]
        )
        messages_append(
            server, [message_make(k, number=i, tag="r1", files=files) for i, k in enumerate(kinds[:3])]
        )

        cost, seen = bare_fetch(server, folder="INBOX", tag="r0")

        assert seen == 20
        assert cost.django_ms > 0 and cost.backend_ms is not None and cost.backend_ms >= 0


@needs_dovecot
@pytest.mark.django_db(transaction=True)
def test_the_row_runs_on_twenty_messages():
    directory_ensure()

    row = run_mailbox(rounds=2, count=20, say=lambda _text: None)

    # every message of both rounds was read by the real reader and became its outcome
    assert row.met is not None and row.extra["messages_per_cpu_second"] > 0
    assert row.measured_ms.median > row.against_ms.median > 0
    # (this data set has only the directory: the replies answer no confirmation request and the
    # change forms go without a workbook, so both wait on the triage list as other mail)
    assert Counter(MailboxMessage.objects.values_list("kind", "state")) == {
        ("application", "processed"): 12,
        ("auto_reply", "triage"): 4,
        ("bounce", "triage"): 4,
        ("other", "triage"): 20,
    }
