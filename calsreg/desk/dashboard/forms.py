"""The assignment form: who is put in charge of an application or a change request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.core.forms import TextCheckedForm
from calsreg.desk.dashboard.work import desk_operators


class OperatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})" if getattr(obj, "display_name", "") else obj.username


class AssignForm(TextCheckedForm, forms.Form):
    """``operator`` empty = nobody in charge. Only active help-desk users and administrators are
    offered; the service refuses anyone else as well."""

    operator = OperatorChoiceField(
        label=_("担当者"),
        queryset=desk_operators(),
        required=False,
        empty_label=_("（担当者なし）"),
        error_messages={"invalid_choice": _("担当者には一覧にあるヘルプデスクの職員を選んでください。")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
