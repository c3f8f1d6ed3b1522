"""Forms of the desk's single sign-on pages. They only parse: the rules (exact https URIs, names)
are the services', whose refusals are put back on the form field by field."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from calsreg.core.errors import FieldError
from calsreg.core.forms import TextCheckedForm

CLIENT_TYPES = [
    ("confidential", _("機密クライアント（サーバーで動く連携先。クライアントシークレットあり）")),
    ("public", _("公開クライアント（シークレットなし。PKCEのみ）")),
]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class PartyRegisterForm(TextCheckedForm, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=255, help_text=_("同意画面と監査記録に表示されます。"))
    client_type = forms.ChoiceField(
        label=_("クライアントの種類"), choices=CLIENT_TYPES, initial="confidential", widget=forms.RadioSelect
    )
    first_party = forms.BooleanField(label=_("自組織のシステム（同意画面を省略する）"), required=False)
    redirect_uris = forms.CharField(
        label=_("リダイレクトURI"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("1行に1つ。完全に一致するURIだけが使えます（https://…）。"),
    )
    post_logout_redirect_uris = forms.CharField(
        label=_("ログアウト後のURI"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("1行に1つ（任意）。"),
    )
    backchannel_logout_uri = forms.CharField(
        label=_("バックチャネルログアウトURI"),
        max_length=500,
        required=False,
        help_text=_("ログイン終了の通知（ログアウトトークン）を受け取るURI（任意）。"),
    )
    webhook_url = forms.CharField(
        label=_("Webhook URL"),
        max_length=500,
        required=False,
        help_text=_(
            "連携イベントを受け取るURL（任意）。入力すると、イベントの購読者として同時に登録します。"
        ),
    )

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "redirect_uris": _lines(data["redirect_uris"]),
            "post_logout_redirect_uris": _lines(data["post_logout_redirect_uris"]),
            "confidential": data["client_type"] == "confidential",
            "first_party": data["first_party"],
            "backchannel_logout_uri": data["backchannel_logout_uri"],
        }

    def add_refusals(self, errors: list[FieldError]) -> None:
        """The services' refusals, each on its field (or on the form when it names none here)."""
        for error in errors:
            self.add_error(error.field if error.field in self.fields else None, error.message)


class DeliveryFilterForm(TextCheckedForm, forms.Form):
    status = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[
            ("", _("すべて")),
            ("failed", _("送信失敗")),
            ("pending", _("送信待ち・送信中")),
            ("delivered", _("受領済み")),
        ],
    )


class ResendForm(TextCheckedForm, forms.Form):
    """Which of the party's deliveries to send again; ``confirmed`` comes from the confirmation page."""

    kind = forms.ChoiceField(choices=[("webhook", "webhook"), ("logout", "logout")], widget=forms.HiddenInput)
    deliveries: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("再送する送信"),
        queryset=None,  # type: ignore[arg-type]  # set per party
        error_messages={"required": _("再送する送信を1件以上選んでください。")},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, querysets: dict[str, QuerySet[Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.data.get("kind", "") if self.is_bound else ""
        field = cast(forms.ModelMultipleChoiceField, self.fields["deliveries"])
        # Only the party's own deliveries of the chosen kind can be picked.
        field.queryset = querysets.get(kind, querysets["webhook"].none())
