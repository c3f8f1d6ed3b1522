"""The desk's one-file upload form, shared by intake and the directory import."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from calsreg.core.forms import TextCheckedForm
from calsreg.core.uploads import upload_too_large


class UploadForm(TextCheckedForm, forms.Form):
    """One uploaded file with an allowed extension and a size limit (checked before it is read)."""

    extensions: tuple[str, ...] = ()
    file = forms.FileField(label=_("ファイル"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix not in self.extensions:
            raise forms.ValidationError(
                _("%(allowed)s のファイルを選んでください（選ばれたファイル: %(name)s）。"),
                params={"allowed": "・".join(self.extensions), "name": upload.name},
                code="extension",
            )
        if upload_too_large(upload.size):
            raise forms.ValidationError(
                _("ファイルが大きすぎます（%(size)s）。%(limit)s以下にしてください。"),
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
                },
                code="too_large",
            )
        return upload

    def content(self) -> bytes:
        return self.cleaned_data["file"].read()

    def filename(self) -> str:
        return PurePath(self.cleaned_data["file"].name).name
