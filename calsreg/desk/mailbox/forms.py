"""The desk's forms on a received message; ``confirmed`` comes from the confirmation page."""

from __future__ import annotations

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from calsreg.core.forms import TextCheckedForm
from calsreg.mailbox.models import MessageKind, MessageState, TriageReason
from calsreg.mailbox.selectors import TEXT_SEARCH_MAX_CHARS, MessageFilters
from calsreg.mailbox.triage import NOTE_MAX_CHARS
from calsreg.verification.models import Answer

RECEIPT_MAX_CHARS = 20


class MessageFilterForm(TextCheckedForm, forms.Form):
    """The list filters (GET); a value that is not a choice is dropped, never an error page."""

    reason = forms.ChoiceField(
        label=_("理由"), required=False, choices=[("", _("すべて")), *TriageReason.choices]
    )
    state = forms.ChoiceField(
        label=_("状態"), required=False, choices=[("", _("すべて")), *MessageState.choices]
    )
    kind = forms.ChoiceField(
        label=_("種類"), required=False, choices=[("", _("すべて")), *MessageKind.choices]
    )
    mailbox = forms.ChoiceField(label=_("受信箱"), required=False)
    q = forms.CharField(label=_("差出人・件名"), required=False, max_length=TEXT_SEARCH_MAX_CHARS)

    def __init__(self, *args, mailboxes: list[str], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["mailbox"].choices = [("", _("すべて")), *((name, name) for name in mailboxes)]  # type: ignore[attr-defined]

    def filters(self) -> MessageFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return MessageFilters(
            reason=data.get("reason", ""),
            mailbox=data.get("mailbox", ""),
            state=data.get("state", ""),
            kind=data.get("kind", ""),
            text=data.get("q", ""),
        )


class ReceiptNumberField(forms.CharField):
    """A receipt number as typed: full-width letters and digits accepted (NFKC), upper-cased."""

    def to_python(self, value):  # type: ignore[no-untyped-def]
        return unicodedata.normalize("NFKC", super().to_python(value) or "").strip().upper()


class AttachForm(TextCheckedForm, forms.Form):
    receipt_number = ReceiptNumberField(
        label=_("受付番号"),
        max_length=RECEIPT_MAX_CHARS,
        error_messages={"required": _("添付する申込の受付番号を入力してください（例: A2026-00001）。")},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ConfirmedForm(TextCheckedForm, forms.Form):
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReplyForm(TextCheckedForm, forms.Form):
    request = forms.IntegerField(
        label=_("確認依頼"),
        min_value=1,
        error_messages={"required": _("返信が答えている確認依頼を選んでください。")},
    )
    answer = forms.ChoiceField(
        label=_("返信の内容"),
        choices=Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("返信の内容（確認・否認）を選んでください。")},
    )
    reason = forms.CharField(
        label=_("理由・メモ（否認の場合は必須）"),
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class NoteForm(TextCheckedForm, forms.Form):
    """The note of "mark handled" and of "back to triage" (the service requires and checks it)."""

    note = forms.CharField(
        label=_("メモ"), required=False, max_length=NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )
