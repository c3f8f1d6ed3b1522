"""The registration benchmark works: both parts run at a tiny size on the test database, through the
bench's own SMTP sink and the real worker. No timing is asserted (that is what ``python -m bench
registration`` reports); what is asserted is that every journey ended with its mails delivered."""

from __future__ import annotations

import pytest

from bench.__main__ import _parser
from bench.registration import JOURNEY_STEPS, registration_benchmark, results_text, smtp_sink
from calsreg.accounts.models import AccountState, Project, ProjectStatus, Role, User
from calsreg.applications.models import Application
from calsreg.notifications.models import Delivery, DeliveryStatus


@pytest.mark.django_db(transaction=True)
def test_registration_benchmark_runs_both_parts_and_delivers_every_mail(settings):
    with smtp_sink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False

        results = registration_benchmark(count=2, sink=sink)

    journey, throughput = results.journey, results.throughput
    assert journey.count == 2
    # acknowledgment + confirmation, 5 × (ID + password), start of use to 5 users and the supervisor
    assert journey.mails_per_journey == 2 + 10 + 6
    assert list(journey.step_median_ms) == list(JOURNEY_STEPS)
    assert journey.total_p95_ms >= journey.total_median_ms > 0
    assert (throughput.count, throughput.accounts, throughput.mails) == (2, 10, 20)
    assert throughput.register_per_second > throughput.with_mails_per_second > 0
    assert results.password_hash_ms > 0
    # 1 warm-up + 2 timed journeys in service; 2 throughput projects registered, not started
    assert Project.objects.filter(status=ProjectStatus.ACTIVE).count() == 3
    assert Project.objects.filter(status=ProjectStatus.PROVISIONED).count() == 2
    assert Application.objects.filter(status="in_service").count() == 3
    assert User.objects.filter(role=Role.CONTRACTOR).count() == 5 * 5
    assert User.objects.filter(role=Role.CONTRACTOR, state=AccountState.ACTIVE).count() == 3 * 5
    assert not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()
    assert len(sink.received) == Delivery.objects.count()
    assert all(len(recipients) == 1 for recipients, _content in sink.received)
    text = results_text(results, database="test")
    assert "register + mails" in text and "applications/s" in text


def test_the_command_line_takes_the_registration_benchmark_and_its_count():
    args = _parser().parse_args(["registration", "--count", "7", "--sqlite"])

    assert (args.benchmark, args.count, args.sqlite) == ("registration", 7, True)
    assert _parser().parse_args([]).benchmark == "targets"
