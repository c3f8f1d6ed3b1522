"""The desk's sign-in form: it parses and checks input; the authentication backend decides."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from calsreg.core.forms import TextCheckedForm


class DeskAuthenticationForm(TextCheckedForm, AuthenticationForm):
    """The desk's sign-in: only staff roles; account holders sign in on the portal's my page."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "ユーザー名またはパスワードが正しくありません。続けて間違えると、しばらくログインできなくなります。"
        ),
        "inactive": _("このアカウントは無効です。管理者に連絡してください。"),
        "not_staff": _(
            "このログイン画面はヘルプデスク・管理者・請求代行の職員用です。"
            "受注者・監督員の方はマイページからログインしてください。"
        ),
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff_member:
            raise forms.ValidationError(self.error_messages["not_staff"], code="not_staff")
