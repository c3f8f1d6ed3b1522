from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.accounts.services.suspension import HAND_REASON_MAX_LENGTH
from calsreg.core.forms import TextCheckedForm


class ProjectActionReasonForm(TextCheckedForm, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=HAND_REASON_MAX_LENGTH)
