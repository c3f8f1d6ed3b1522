"""The outbox's search form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.core.forms import TextCheckedForm


class OutboxSearchForm(TextCheckedForm, forms.Form):
    q = forms.CharField(
        label=_("検索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("宛先・件名・本文")}),
    )
