"""The directory import's forms: the CSV upload and the confirmation of the previewed file."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.core.forms import TextCheckedForm
from calsreg.desk.uploads import UploadForm


class DirectoryImportForm(UploadForm):
    extensions = (".csv",)
    file = forms.FileField(
        label=_("発注者名簿（CSV）"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )


class DirectoryConfirmForm(TextCheckedForm, forms.Form):
    """The confirmation names the previewed file by its digest, so exactly that file is imported."""

    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
