"""Dunning: dated deferrals of suspension granted by the billing agent (seed step 6)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel


class InvoiceDeferral(TimeStampedModel):
    """No suspension for this invoice while today <= ``until`` (the agent agreed a later payment).

    Kept as rows, not a field on the invoice, so every grant stays on record; the latest ``until``
    wins.
    """

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="deferrals", verbose_name=_("請求書")
    )
    until = models.DateField(_("猶予期限"), db_index=True)
    reason = models.CharField(_("理由"), max_length=200)
    granted_by_label = models.CharField(_("許可した人"), max_length=200)

    class Meta:
        verbose_name = _("支払猶予")
        verbose_name_plural = _("支払猶予")
        ordering = ["invoice", "-until", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="invoice_deferral_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.invoice} → {self.until:%Y-%m-%d}"
