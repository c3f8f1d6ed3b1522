"""Forms of the desk's confirmation panel: they parse input; the services decide.

None of them has a field for an e-mail address or a phone number: a confirmation goes only to the
directory's contacts (security invariant 1), which the services read themselves.
"""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from calsreg.core.forms import TextCheckedForm
from calsreg.core.uploads import upload_too_large
from calsreg.directory.models import Supervisor
from calsreg.verification.models import Answer, CallOutcome

TEXT_MAX_CHARS = 2000


class ConfirmationSendForm(TextCheckedForm, forms.Form):
    """Send (or re-send) the confirmation mail. ``open_ids`` are the open requests the operator saw:
    a double click or a second operator then gets a refusal, not a second set of mails."""

    language = forms.ChoiceField(label=_("メールの言語"), choices=settings.LANGUAGES, initial="ja")
    open_ids = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_open_ids(self) -> frozenset[int]:
        raw = self.cleaned_data.get("open_ids") or ""
        try:
            return frozenset(int(part) for part in raw.split(",") if part.strip())
        except ValueError as exc:
            raise forms.ValidationError(_("画面を開き直してから送信してください。")) from exc


class ReplyRecordForm(TextCheckedForm, forms.Form):
    eml = forms.FileField(label=_("返信メール（.eml）"))
    answer = forms.ChoiceField(label=_("返信の内容"), choices=Answer.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("理由・メモ（否認の場合は必須）"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_eml(self):
        upload = self.cleaned_data["eml"]
        if PurePath(upload.name or "").suffix.lower() != ".eml":
            raise forms.ValidationError(_("メールソフトで保存した「.eml」ファイルを選んでください。"))
        if upload_too_large(upload.size):
            raise forms.ValidationError(
                _("ファイルが大きすぎます（上限 %(limit)s）。")
                % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
            )
        return upload


class CallRecordForm(TextCheckedForm, forms.Form):
    """The supervisor is chosen among the application's directory supervisors; their number is shown
    from the directory and is not an input."""

    supervisor = forms.ModelChoiceField(label=_("電話した監督員（名簿）"), queryset=Supervisor.objects.none())
    outcome = forms.ChoiceField(label=_("結果"), choices=CallOutcome.choices)
    called_at = forms.DateTimeField(
        label=_("通話日時（空欄は現在）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        label=_("メモ（否認の場合は必須）"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, supervisors: QuerySet[Supervisor], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supervisor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = supervisors


class ReasonForm(TextCheckedForm, forms.Form):
    reason = forms.CharField(
        label=_("理由（申込者に伝わります）"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(TextCheckedForm, forms.Form):
    reason = forms.CharField(
        label=_("却下の理由（記録用。申込者への通知には書かれません）"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StartUseForm(TextCheckedForm, forms.Form):
    """Start now, or schedule the start of use for a later day (the construction start)."""

    NOW = "now"
    ON_DATE = "date"

    when = forms.ChoiceField(
        label=_("利用開始"),
        choices=[(NOW, _("今すぐ利用開始する")), (ON_DATE, _("指定日に利用開始する"))],
        widget=forms.RadioSelect,
        initial=NOW,
    )
    starts_on = forms.DateField(
        label=_("利用開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("when") == self.ON_DATE and not cleaned.get("starts_on"):
            self.add_error("starts_on", _("利用開始日を入力してください。"))
        if cleaned.get("when") == self.NOW:
            cleaned["starts_on"] = None
        return cleaned
