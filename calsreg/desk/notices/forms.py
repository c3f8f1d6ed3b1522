"""The forms of the notices page: mark read up to a notice, and the digest choice."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.core.forms import TextCheckedForm


class MarkReadForm(TextCheckedForm, forms.Form):
    # The newest notice the operator saw: what arrives meanwhile stays unread.
    up_to = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class DigestForm(TextCheckedForm, forms.Form):
    digest = forms.BooleanField(label=_("お知らせのまとめメールを毎日受け取る"), required=False)
