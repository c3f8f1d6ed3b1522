"""The application screens' forms (queue filter, supervisor match, intake upload): they parse and check
input; the services decide."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.applications.selectors import DEFAULT_QUEUE_SORT, QUEUE_SORTS, QueueFilters
from calsreg.applications.states import Status
from calsreg.core.forms import TextCheckedForm
from calsreg.desk.uploads import UploadForm
from calsreg.directory.models import OrdererOffice, Supervisor
from calsreg.directory.selectors import offices_active

# Longest free-text search the queue accepts (a receipt number or a project name fits easily).
QUEUE_TEXT_MAX_CHARS = 100


class QueueFilterForm(TextCheckedForm, forms.Form):
    """The queue's GET form. Invalid values are reported and ignored, never a server error."""

    status = forms.ChoiceField(label=_("状態"), required=False)
    office = forms.ModelChoiceField(
        label=_("発注事務所"), queryset=OrdererOffice.objects.none(), required=False, empty_label=_("すべて")
    )
    received_from = forms.DateField(
        label=_("受付日（から）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("受付日（まで）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label=_("キーワード"),
        required=False,
        max_length=QUEUE_TEXT_MAX_CHARS,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("受付番号・工事番号・工事名・会社名")}
        ),
    )
    duplicates = forms.BooleanField(label=_("重複の疑いのみ"), required=False)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("すべて")), *Status.choices]
        cast(forms.ModelChoiceField, self.fields["office"]).queryset = offices_active()
        cast(forms.ChoiceField, self.fields["sort"]).choices = [(key, key) for key in QUEUE_SORTS]

    def filters(self) -> QueueFilters:
        """The valid part of the input as ``QueueFilters`` (a bad field falls back to its default)."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        office = data.get("office")
        return QueueFilters(
            status=data.get("status") or "",
            office_id=office.pk if office else None,
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            text=data.get("q") or "",
            duplicates_only=bool(data.get("duplicates")),
            sort=data.get("sort") or DEFAULT_QUEUE_SORT,
        )


class SupervisorMatchForm(TextCheckedForm, forms.Form):
    """Match the names typed on a workbook to the office's own directory entries."""

    supervisors = forms.ModelMultipleChoiceField(
        label=_("名簿の監督員"),
        queryset=Supervisor.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("名簿から監督員を1人以上選んでください。")},
    )

    def __init__(self, *args, office_supervisors, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["supervisors"]).queryset = office_supervisors


class IntakeForm(UploadForm):
    """A filled workbook that reached the desk outside the portal, or the mail it was attached to."""

    extensions = (".xlsx", ".eml")
    file = forms.FileField(
        label=_("申込書（.xlsx）または受信メール（.eml）"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.eml,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,message/rfc822"
            }
        ),
    )
