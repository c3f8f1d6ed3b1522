"""The one rule on a day a bank file reports (入金日・勘定日), shared by the Zengin reader and the CSV reader.

A payment file reports transfers that have happened: a day after today is a wrong file (another
account's, a test file, a year typed wrong) or a future-dated transfer notified in advance, which is
imported on its day. Matched as received, either would settle invoices with money not yet there.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

# Before this, a day in a payment file is a typing slip (no invoice of this service is that old).
EARLIEST_PAYMENT_DAY = date(2000, 1, 1)


def payment_day_problem(day: date, *, today: date) -> str | None:
    """Why ``day`` cannot be taken from a payment file (a message to show), or None if it can."""
    if day > today:
        return _(
            "%(day)s は未来の日付です（今日は%(today)s）。その日が来てから取り込むか、ファイルの日付を確認してください。"
        ) % {
            "day": day.isoformat(),
            "today": today.isoformat(),
        }
    if day < EARLIEST_PAYMENT_DAY:
        return _("%(day)s は古すぎます。%(earliest)s以降の日付にしてください。") % {
            "day": day.isoformat(),
            "earliest": EARLIEST_PAYMENT_DAY.isoformat(),
        }
    return None
