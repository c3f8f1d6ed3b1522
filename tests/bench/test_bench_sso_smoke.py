"""The single sign-on benchmark works: the round trips, token grants and a fan-out run at a tiny size on
the test database, through the real worker and an HTTP receiver on 127.0.0.1. No timing is asserted
(that is what ``python -m bench sso`` reports); what is asserted is that every operation was
sampled, and that each suspension reached every party exactly once (the benchmark itself refuses
to report otherwise)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bench.__main__ import _parser
from bench.sso import OPERATIONS, results_text, sso_benchmark
from calsreg.accounts.models import Project, ProjectStatus

# A weekday; the bench's construction periods are built around the day it runs.
A_WEEKDAY = datetime(2027, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.mark.django_db(transaction=True)
def test_sso_benchmark_samples_every_grant_and_fans_a_suspension_out_exactly_once():
    with time_machine.travel(A_WEEKDAY, tick=True):
        results = sso_benchmark(repeat=1, users=6, parties=2, rounds=2)

    tokens, fanout = results.tokens, results.fanout
    assert tokens.plain_cpu_ms.n == len(OPERATIONS)
    for key, _label in OPERATIONS:
        assert tokens.cpu_ms[key].n == tokens.ratio[key].n == 1, key
        assert tokens.cpu_ms[key].median > 0 and tokens.per_cpu_second[key] > 0, key
    assert len(fanout.rounds) == 2
    for suspension in fanout.rounds:
        # 6 people × 2 parties signed out; the one project.suspended event to each party's webhook
        assert (suspension.logouts, suspension.events, suspension.webhooks) == (12, 1, 2)
        assert suspension.wall_ms > 0 and suspension.cpu_ms > 0
    # the round trips' project and the fan-out's, reinstated after the last round
    assert sorted(Project.objects.values_list("status", flat=True)) == [ProjectStatus.ACTIVE] * 2
    text = results_text(results, database="test")
    assert "round trip, public party" in text and "12 logout tokens, 2 webhooks" in text


def test_the_command_line_takes_the_sso_benchmark_and_its_sizes():
    args = _parser().parse_args(["sso", "--users", "4", "--parties", "2", "--rounds", "1", "--sqlite"])

    assert (args.benchmark, args.users, args.parties, args.rounds, args.sqlite) == ("sso", 4, 2, 1, True)
    defaults = _parser().parse_args(["sso"])
    assert (defaults.users, defaults.parties, defaults.rounds) == (30, 3, 3)
