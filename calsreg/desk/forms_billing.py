"""Forms of the billing agent's screens (parsing only; the rules live in billing's services)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.billing.agent_selectors import InvoiceFilters
from calsreg.billing.models import InvoiceStatus
from calsreg.core.forms import TextCheckedForm
from calsreg.directory.models import OrdererOffice


class InvoiceFilterForm(TextCheckedForm, forms.Form):
    status = forms.ChoiceField(
        label=_("状態"), required=False, choices=[("", _("すべて")), *InvoiceStatus.choices]
    )
    overdue = forms.BooleanField(label=_("支払期限超過のみ"), required=False)
    office = forms.ModelChoiceField(
        label=_("発注事務所"), required=False, queryset=OrdererOffice.objects.order_by("code")
    )
    run_month = forms.DateField(
        label=_("請求月"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def filters(self) -> InvoiceFilters:
        """The filters; an invalid form filters nothing (a bad bookmark shows the whole list)."""
        if not self.is_valid():
            return InvoiceFilters()
        data = self.cleaned_data
        office = data.get("office")
        return InvoiceFilters(
            status=data.get("status") or "",
            overdue=bool(data.get("overdue")),
            office_id=office.pk if office else None,
            run_month=data.get("run_month"),
        )


class BillingRunForm(TextCheckedForm, forms.Form):
    run_month = forms.DateField(
        label=_("請求月"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


class PostedForm(TextCheckedForm, forms.Form):
    posted_on = forms.DateField(label=_("郵送日"), widget=forms.DateInput(attrs={"type": "date"}))


class ArrivalForm(TextCheckedForm, forms.Form):
    arrival_on = forms.DateField(label=_("到着日"), widget=forms.DateInput(attrs={"type": "date"}))


class ReasonForm(TextCheckedForm, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=200)


class DeferralForm(TextCheckedForm, forms.Form):
    until = forms.DateField(label=_("猶予期限"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("理由"), max_length=200)


def month_or_today(value: date | None, today: date) -> date:
    return (value or today).replace(day=1)
