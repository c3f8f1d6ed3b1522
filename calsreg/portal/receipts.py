"""Which receipt pages this browser session may see: only those of what it submitted itself."""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase

from calsreg.applications.models import Application

SESSION_RECEIPTS = "portal_receipts"
# A browser may submit several applications in one session; remember the last few only.
SESSION_RECEIPTS_KEPT = 10


def receipt_remember(session: SessionBase, application: Application) -> None:
    receipts = dict(session.get(SESSION_RECEIPTS, {}))
    receipts[application.receipt_number] = application.applicant_email
    session[SESSION_RECEIPTS] = dict(list(receipts.items())[-SESSION_RECEIPTS_KEPT:])


def receipt_email(session: SessionBase, receipt_number: str) -> str:
    """The applicant's e-mail of a receipt this session submitted, or "" for any other number."""
    return str(session.get(SESSION_RECEIPTS, {}).get(receipt_number, ""))
