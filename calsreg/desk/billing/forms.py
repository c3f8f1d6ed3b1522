"""Forms of the billing agent's screens: invoices, runs and payments (parsing only; the rules live in
billing's services and billing.payments)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.billing.agent_selectors import InvoiceFilters
from calsreg.billing.models import InvoiceStatus, PaymentImportKind
from calsreg.core.dates import month_parse
from calsreg.core.errors import ValidationFailed
from calsreg.core.forms import TextCheckedForm
from calsreg.directory.models import OrdererOffice

CARRIER_FILE_MAX_BYTES = 1024 * 1024


class MonthField(forms.Field):
    """A month as the browser's month input sends it (``2026-12``), read by the one month parser;
    cleaned to the month's first day."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        try:
            return month_parse(str(value), field="run_month", label=str(self.label))
        except ValidationFailed as refusal:
            raise forms.ValidationError(refusal.errors[0].message, code="invalid") from None


class InvoiceFilterForm(TextCheckedForm, forms.Form):
    status = forms.ChoiceField(
        label=_("状態"), required=False, choices=[("", _("すべて")), *InvoiceStatus.choices]
    )
    overdue = forms.BooleanField(label=_("支払期限超過のみ"), required=False)
    office = forms.ModelChoiceField(
        label=_("発注事務所"), required=False, queryset=OrdererOffice.objects.order_by("code")
    )
    run_month = MonthField(label=_("請求月"), required=False)

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
    run_month = MonthField(label=_("請求月"))


class PostedForm(TextCheckedForm, forms.Form):
    posted_on = forms.DateField(label=_("郵送日"), widget=forms.DateInput(attrs={"type": "date"}))


class InvoiceIdsField(forms.Field):
    """The ids of the invoices ticked on the list (``invoice=12&invoice=13``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return [int(item) for item in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("請求書の選択が正しくありません。"), code="invalid") from None


class BulkPostedForm(TextCheckedForm, forms.Form):
    """One posting date for a whole run or a selection, and optionally the carrier's list."""

    posted_on = forms.DateField(label=_("郵送日"), widget=forms.DateInput(attrs={"type": "date"}))
    carrier_file = forms.FileField(
        label=_("郵送受付リスト（CSV・任意）"),
        required=False,
        help_text=_(
            "郵便局などが受け付けた請求書の番号のCSV（郵送リストの「請求書番号」列、または1列目）。指定するとその請求書だけを郵送済みにします。"
        ),
    )

    def clean_carrier_file(self):
        upload = self.cleaned_data.get("carrier_file")
        if upload and upload.size > CARRIER_FILE_MAX_BYTES:
            raise forms.ValidationError(_("郵送受付リストは1MB以下のCSVにしてください。"), code="too_large")
        return upload

    def carrier_list(self) -> bytes | None:
        upload = self.cleaned_data.get("carrier_file")
        return upload.read() if upload else None


class SelectedPostedForm(BulkPostedForm):
    invoice = InvoiceIdsField(label=_("請求書"), required=False)  # none ticked: the service says so


class ArrivalForm(TextCheckedForm, forms.Form):
    arrival_on = forms.DateField(label=_("到着日"), widget=forms.DateInput(attrs={"type": "date"}))


class ReasonForm(TextCheckedForm, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=200)


class AllocationRemoveForm(TextCheckedForm, forms.Form):
    """Taking back a payment's allocation (a wrong manual allocation, a bank cancellation): a reason
    for the audit, and a box the agent ticks to confirm (no script: the page's CSP allows none)."""

    reason = forms.CharField(label=_("解除の理由"), max_length=200)
    confirmed = forms.BooleanField(
        label=_("この充当を解除し、請求書の入金済み額から差し引くことを確認しました"),
        error_messages={"required": _("解除する場合は確認の欄にチェックを入れてください。")},
    )


class DeferralForm(TextCheckedForm, forms.Form):
    until = forms.DateField(label=_("猶予期限"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("理由"), max_length=200)


def month_or_today(value: date | None, today: date) -> date:
    return (value or today).replace(day=1)


# The payment screens.


class PaymentImportForm(TextCheckedForm, forms.Form):
    kind = forms.ChoiceField(
        label=_("ファイルの種類"), choices=PaymentImportKind.choices, initial=PaymentImportKind.ZENGIN
    )
    file = forms.FileField(label=_("入金ファイル"))


class ManualPaymentForm(TextCheckedForm, forms.Form):
    received_on = forms.DateField(label=_("入金日"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.IntegerField(label=_("金額（円）"), min_value=1)
    payer_name = forms.CharField(label=_("振込依頼人名"), max_length=100)
    payer_code = forms.CharField(label=_("依頼人コード・EDI"), max_length=40, required=False)
    note = forms.CharField(label=_("備考"), max_length=200, required=False)


class AllocationForm(TextCheckedForm, forms.Form):
    invoice_number = forms.CharField(label=_("請求書番号"), max_length=20)
    amount = forms.IntegerField(label=_("充当額（円）"), min_value=1)


class IgnoreForm(TextCheckedForm, forms.Form):
    reason = forms.CharField(label=_("対象外の理由"), max_length=200)
