"""Forms of the billing agent's payment screens (parsing only; the rules live in billing.payments)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.billing.models import PaymentImportKind
from calsreg.core.forms import TextCheckedForm


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
