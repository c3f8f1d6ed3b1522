"""Forms of the desk's change-request screens: they parse input; the services decide.

None of them has a field for a phone number: the call-back names the person called by their key
(a person concerned, ``registration.people_concerned``), and the service copies that person's
registered number into the record (seed step 8). The number written on the change form is shown to
the operator but is never a choice. Nothing is chosen in advance: neither whom the operator called
nor how the call went, so a submit without choosing is an error, never a default "confirmed".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from calsreg.accounts.models import User
from calsreg.changes.models import ChangeItem, ChangeStatus, ItemDecision
from calsreg.core.forms import TextCheckedForm
from calsreg.verification.models import CallOutcome

TEXT_MAX_CHARS = 2000
QUEUE_TEXT_MAX_CHARS = 100
ITEM_PREFIX = "item_"
# The two answers an operator records per item on a positive call (ItemDecision without "pending").
ITEM_ANSWERS = [
    (ItemDecision.CONFIRMED.value, ItemDecision.CONFIRMED.label),
    (ItemDecision.DECLINED.value, ItemDecision.DECLINED.label),
]


class ChangeQueueFilterForm(TextCheckedForm, forms.Form):
    """The change queue's GET form. Invalid values are reported and ignored, never a server error."""

    status = forms.ChoiceField(label=_("状態"), required=False)
    mine = forms.BooleanField(label=_("自分が担当"), required=False)
    q = forms.CharField(
        label=_("キーワード"),
        required=False,
        max_length=QUEUE_TEXT_MAX_CHARS,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("変更受付番号・工事番号・工事名・申込者氏名")}
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("すべて")), *ChangeStatus.choices]

    def filters(self) -> dict[str, object]:
        """The valid part of the input (a bad field falls back to its default)."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return {
            "status": data.get("status") or "",
            "mine": bool(data.get("mine")),
            "q": (data.get("q") or "").strip(),
        }


class AssignForm(TextCheckedForm, forms.Form):
    """Take the request (``take``) or give it to a help-desk member; an empty choice unassigns."""

    operator = forms.ModelChoiceField(
        label=_("担当者"), queryset=User.objects.none(), required=False, empty_label=_("（担当者なし）")
    )
    take = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, operators: QuerySet[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["operator"]).queryset = operators


class CallBackForm(TextCheckedForm, forms.Form):
    """One call-back: whom (a person concerned, by key), how it went, and per item what they confirmed.

    Whether the person called may confirm anything, and which items are theirs, is the service's
    rule (``callback_record``): the per-item answers are optional here and the service refuses
    missing ones and answers about someone else's items, naming them.
    """

    contact = forms.CharField(
        label=_("電話した相手（本人）"),
        max_length=40,
        error_messages={"required": _("電話した本人を一覧から選んでください。")},
    )
    outcome = forms.ChoiceField(
        label=_("結果"),
        choices=CallOutcome.choices,
        error_messages={
            "required": _("通話の結果を選んでください。"),
            "invalid_choice": _("通話の結果を一覧から選んでください。"),
        },
    )
    called_at = forms.DateTimeField(
        label=_("通話日時（空欄は現在）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        label=_("メモ"), required=False, max_length=TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, items: Sequence[ChangeItem], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"{ITEM_PREFIX}{item.pk}"] = forms.ChoiceField(
                label=_("変更%(n)s") % {"n": item.position},
                choices=ITEM_ANSWERS,
                required=False,
                widget=forms.RadioSelect,
            )

    def decisions(self) -> dict[int, bool]:
        """``{item id: confirmed?}`` for the items the operator answered."""
        answers = {}
        for item in self.items:
            answer = self.cleaned_data.get(f"{ITEM_PREFIX}{item.pk}")
            if answer:
                answers[item.pk] = answer == ItemDecision.CONFIRMED
        return answers


class ChangeRejectForm(TextCheckedForm, forms.Form):
    reason = forms.CharField(
        label=_("不承認の理由（記録用。申込者への通知には書かれません）"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
