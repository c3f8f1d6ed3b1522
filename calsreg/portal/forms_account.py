"""Forms of the account holders' my page: they parse and check input; the accounts services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import MinimumLengthValidator, get_default_password_validators
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calsreg.accounts.access import account_login_refusal
from calsreg.accounts.backends import login_refusal_of
from calsreg.accounts.services.passwords import PASSWORD_HISTORY_COUNT
from calsreg.core.errors import FieldError
from calsreg.core.forms import TextCheckedForm
from calsreg.core.width import to_half_width

# Where the services' field paths land on the password forms.
SERVICE_FIELDS = {"old_password": "old_password", "new_password": "new_password1"}


class PortalAuthenticationForm(TextCheckedForm, AuthenticationForm):
    """My page's sign-in: account holders only, and when the account may be used now.

    One message for an unknown ID and a wrong password, so the form tells nobody which IDs exist.
    Only when the password is right does the page say why the account cannot be used (not started
    yet, suspended, closed, initial password expired): the holder needs to know what to do.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "IDまたはパスワードが正しくありません。続けて間違えると、しばらくログインできなくなります。"
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Account holders know it as "ID" (the ID notice mail), not Django's "user name".
        self.fields["username"].label = _("ID")
        self.fields["password"].label = _("パスワード")
        self.fields["username"].error_messages["required"] = _("IDを入力してください。")
        self.fields["password"].error_messages["required"] = _("パスワードを入力してください。")

    def clean_username(self) -> str:
        # IDs are half-width lower case (tanaka.kqz); people often type them full-width or capitalised.
        return to_half_width(self.cleaned_data.get("username") or "").strip().lower()

    def get_invalid_login_error(self) -> forms.ValidationError:
        refusal = login_refusal_of(self.request) if self.request is not None else None
        if refusal is not None:
            return forms.ValidationError(refusal, code="account_not_usable")
        return super().get_invalid_login_error()

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        # Staff pass the backend (they sign in at the desk); refused here with the same wording.
        refusal = account_login_refusal(user=user)
        if refusal is not None:
            raise forms.ValidationError(refusal, code="account_not_usable")


def _password_input(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": autocomplete}, render_value=False)


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


class NewPasswordMixin(TextCheckedForm, forms.Form):
    """The new password typed twice; the rules themselves are the accounts service's."""

    new_password1 = forms.CharField(
        label=gettext_lazy("新しいパスワード"),
        strip=False,
        widget=_password_input("new-password"),
        error_messages=_required(gettext_lazy("新しいパスワードを入力してください。")),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("新しいパスワード（確認）"),
        strip=False,
        widget=_password_input("new-password"),
        error_messages=_required(gettext_lazy("確認のため、新しいパスワードをもう一度入力してください。")),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("確認のため、同じパスワードをもう一度入力してください。"))
        return cleaned

    def add_service_errors(self, errors: list[FieldError]) -> None:
        """Put the service's errors (``ValidationFailed.errors``) under the fields they are about."""
        for error in errors:
            self.add_error(SERVICE_FIELDS.get(error.field), error.message)


class PasswordChangeForm(NewPasswordMixin):
    old_password = forms.CharField(
        label=gettext_lazy("現在のパスワード"),
        strip=False,
        widget=_password_input("current-password"),
        error_messages=_required(
            gettext_lazy("現在のパスワード（初回は、メールでお知らせした初期パスワード）を入力してください。")
        ),
    )
    field_order = ["old_password", "new_password1", "new_password2"]


class PasswordResetSetForm(NewPasswordMixin):
    pass


class PasswordResetRequestForm(TextCheckedForm, forms.Form):
    username = forms.CharField(
        label=gettext_lazy("ID"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        error_messages=_required(gettext_lazy("IDを入力してください。")),
    )
    email = forms.EmailField(
        label=gettext_lazy("登録しているメールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": gettext_lazy("登録しているメールアドレスを入力してください。"),
            "invalid": gettext_lazy("メールアドレスの形式が正しくありません（例: taro@example.co.jp）。"),
        },
    )

    def clean_username(self) -> str:
        return to_half_width(self.cleaned_data.get("username") or "").strip().lower()


def password_rules() -> list[str]:
    """The password policy in the holder's words, shown beside every new-password field."""
    minimum = next(
        (v.min_length for v in get_default_password_validators() if isinstance(v, MinimumLengthValidator)),
        12,
    )
    return [
        _("%(min)s文字以上にしてください（英字・数字・記号を組み合わせると安全です）。") % {"min": minimum},
        _("IDの文字列（「.」より前の部分）を含めないでください。"),
        _("氏名やメールアドレスに似たもの、よく使われるもの、数字だけのものは使えません。"),
        _("最近使ったパスワード（直近%(count)s回分）は使えません。") % {"count": PASSWORD_HISTORY_COUNT},
    ]
