"""Which failed or stuck deliveries to send again; ``confirmed`` comes from the confirmation page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.core.forms import TextCheckedForm
from calsreg.notifications.selectors import deliveries_troubled


class ResendForm(TextCheckedForm, forms.Form):
    deliveries: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("再送するメール"),
        queryset=None,  # type: ignore[arg-type]  # set per request (the clock moves)
        error_messages={
            "required": _("再送するメールを1件以上選んでください。"),
            "invalid_choice": _(
                "選んだメールはもう送信失敗・送信停滞ではありません。一覧を開き直してください。"
            ),
        },
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only rows that are failed or stuck now can be picked.
        cast(forms.ModelMultipleChoiceField, self.fields["deliveries"]).queryset = deliveries_troubled()
