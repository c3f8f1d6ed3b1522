"""List the event subscribers with their delivery log counts (no secret is shown).

manage.py events_subscriber_list
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from calsreg.events.selectors import subscribers_with_log


class Command(BaseCommand):
    help = "List the event subscribers: webhook URL, state, deliveries pending / delivered / failed."

    def handle(self, *args, **options) -> None:
        for s in subscribers_with_log():
            last = s.last_attempt_at.isoformat() if s.last_attempt_at else "-"  # type: ignore[attr-defined]
            self.stdout.write(
                f"{s.name}\t{'active' if s.active else 'inactive'}\t{s.webhook_url or '(feed only)'}\t"
                f"client={s.client_id or '-'}\tfeed={s.feed_token_prefix}…\t"
                f"pending={s.pending} delivered={s.delivered} failed={s.failed}\t"  # type: ignore[attr-defined]
                f"last_attempt={last}"
            )
