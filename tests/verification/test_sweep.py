"""Unanswered requests come back after N business days (holidays and 12/29–1/3 excluded), once,
with a reminder carrying a new link and a notice to the desk."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from calsreg.core.secrets import secret_hash
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.verification.errors import ConfirmationLinkRefused
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.selectors import confirmations_needing_attention
from calsreg.verification.services import confirmation_answer_by_link, confirmations_overdue_sweep
from tests.desk.helpers import JST
from tests.verification.helpers import awaiting_application, deliver, token_for

pytestmark = pytest.mark.django_db


def _sent_on(day: dt.date, *, desk, supervisor):
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=JST), tick=False):
        application = awaiting_application(desk=desk, supervisor=supervisor)
        deliver()
    return application


def _sweep(day: dt.date) -> int:
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 8, 0, tzinfo=JST), tick=False):
        return confirmations_overdue_sweep()


def test_due_day_counts_across_the_year_end_closure(desk, supervisor):
    application = _sent_on(dt.date(2026, 12, 25), desk=desk, supervisor=supervisor)  # a Friday
    request = ConfirmationRequest.objects.get(application=application)

    # 12/28 (1), 12/29–1/3 closed, 1/4 (2), 1/5 (3)
    assert request.due_back_on == dt.date(2027, 1, 5)
    assert [_sweep(dt.date(2026, 12, 30)), _sweep(dt.date(2027, 1, 4)), _sweep(dt.date(2027, 1, 5))] == [
        0,
        0,
        0,
    ]
    assert _sweep(dt.date(2027, 1, 6)) == 1


def test_due_day_skips_a_national_holiday(desk, supervisor):
    application = _sent_on(dt.date(2027, 1, 8), desk=desk, supervisor=supervisor)  # Fri; 1/11 成人の日
    request = ConfirmationRequest.objects.get(application=application)

    assert request.due_back_on == dt.date(2027, 1, 14)
    assert [_sweep(dt.date(2027, 1, 11)), _sweep(dt.date(2027, 1, 14))] == [0, 0]
    assert _sweep(dt.date(2027, 1, 15)) == 1


def test_no_reminder_on_a_weekend_it_waits_for_monday(desk, supervisor):
    application = _sent_on(dt.date(2026, 11, 24), desk=desk, supervisor=supervisor)  # Tue → due Fri 11/27

    assert ConfirmationRequest.objects.get(application=application).due_back_on == dt.date(2026, 11, 27)
    assert [_sweep(dt.date(2026, 11, 28)), _sweep(dt.date(2026, 11, 29))] == [0, 0]
    assert _sweep(dt.date(2026, 11, 30)) == 1


def test_reminder_sends_a_new_link_and_tells_the_desk_once(desk, supervisor, settings):
    application = _sent_on(dt.date(2026, 11, 24), desk=desk, supervisor=supervisor)
    first_token = token_for(supervisor.email)

    assert _sweep(dt.date(2026, 11, 30)) == 1
    assert _sweep(dt.date(2026, 12, 1)) == 0  # once only
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=JST), tick=False):
        sent = deliver()

    assert sorted((m.to[0], m.subject) for m in sent) == sorted(
        [
            (
                supervisor.email,
                f"【新潟県CALSシステム】（再送）利用申込内容のご確認のお願い（受付番号：{application.receipt_number}）",
            ),
            (
                settings.HELP_DESK_EMAIL,
                f"【内容確認】回答期限切れ：{application.receipt_number} 信濃川護岸設置工事",
            ),
        ]
    )
    desk_notice = next(m for m in sent if m.to == [settings.HELP_DESK_EMAIL])
    assert f"/desk/applications/{application.pk}/" in desk_notice.body
    assert "催促メール（新しい確認用リンク付き）を送りました" in desk_notice.body
    new_token = token_for(supervisor.email, sent)
    request = ConfirmationRequest.objects.get(application=application)
    assert request.reminded_at == dt.datetime(2026, 11, 30, 8, 0, tzinfo=JST)
    assert request.token_hash == secret_hash(new_token) != secret_hash(first_token)
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 30, tzinfo=JST), tick=False):
        with pytest.raises(ConfirmationLinkRefused):
            confirmation_answer_by_link(token=first_token, answer="confirmed", reason="")
        confirmation_answer_by_link(token=new_token, answer="confirmed", reason="")
    assert AuditEvent.objects.filter(action="confirmation.reminded").count() == 1


def test_answered_and_superseded_requests_are_not_reminded(desk, supervisor):
    application = _sent_on(dt.date(2026, 11, 24), desk=desk, supervisor=supervisor)
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=JST), tick=False):
        confirmation_answer_by_link(token=token_for(supervisor.email), answer="confirmed", reason="")

    assert _sweep(dt.date(2026, 11, 30)) == 0
    assert not Delivery.objects.filter(
        kind__in=["confirmation_reminder", "confirmation_overdue_desk"]
    ).exists()
    assert application.pk


def test_changed_directory_address_gets_no_reminder_but_the_desk_is_told(desk, supervisor, settings):
    application = _sent_on(dt.date(2026, 11, 24), desk=desk, supervisor=supervisor)
    supervisor.email = "yamada.new@office.example.pref-niigata.jp"
    supervisor.save()

    assert _sweep(dt.date(2026, 11, 30)) == 1

    assert list(Delivery.objects.filter(kind="confirmation_reminder")) == []
    (notice,) = Delivery.objects.filter(kind="confirmation_overdue_desk")
    assert (notice.to_address, notice.context["reminder_sent"]) == (settings.HELP_DESK_EMAIL, False)
    assert application.pk


def test_attention_lists_overdue_mismatch_and_denials(desk, supervisor):
    application = _sent_on(dt.date(2026, 11, 24), desk=desk, supervisor=supervisor)

    rows = confirmations_needing_attention(today=dt.date(2026, 11, 30))

    assert [(row.application.pk, row.reason) for row in rows] == [(application.pk, "overdue")]
    assert confirmations_needing_attention(today=dt.date(2026, 11, 27)) == []


def test_command_runs_the_sweep(desk, supervisor):
    _sent_on(dt.date(2026, 11, 24), desk=desk, supervisor=supervisor)
    out = io.StringIO()

    with time_machine.travel(dt.datetime(2026, 11, 30, 8, 0, tzinfo=JST), tick=False):
        call_command("confirmation_sweep", stdout=out)

    assert out.getvalue().strip() == "reminded=1"
