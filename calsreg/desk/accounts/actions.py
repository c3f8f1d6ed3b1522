"""The desk's actions on one account (help desk and administrators): each a confirmation page (GET)
saying what will happen and which mail goes where, then the one service (POST).

Which actions a state allows is the service's rule (``account_actions_applying``); the page offers
those only, and the service checks again under the row lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calsreg.accounts.models import ACCOUNT_ROLES, User
from calsreg.accounts.services import (
    AccountAction,
    account_action_applies,
    account_actions_applying,
    account_close,
    account_id_notice_resend,
    account_initial_password_reissue,
    account_login_locks_lift,
    account_password_change_force,
)
from calsreg.core.forms import TextCheckedForm
from calsreg.desk.feedback import form_errors_as_messages, run_service
from calsreg.desk.permissions import desk_staff_required
from calsreg.records.services import Actor


class AccountActionForm(TextCheckedForm, forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=200, required=False)

    def __init__(self, *args: Any, reason_required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


@dataclass(frozen=True)
class ActionSpec:
    title: str
    button: str
    effects: tuple[str, ...]  # what will happen, in the order it happens
    reason_required: bool
    reason_asked: bool
    run: Callable[[User, Actor, str], object]
    done: str


def _specs() -> dict[AccountAction, ActionSpec]:
    # Built per request: the texts are translated in the operator's language.
    return {
        AccountAction.LIFT_LOCK: ActionSpec(
            title=_("ログイン停止を解除する"),
            button=_("解除する"),
            effects=(
                _("このIDのログイン停止（接続元ごと・ID全体）をすべて解除します。"),
                _("パスワードは変わりません。メールは送りません。"),
            ),
            reason_required=False,
            reason_asked=False,
            run=lambda user, actor, _reason: account_login_locks_lift(username=user.username, actor=actor),
            done=_("ログイン停止を解除しました。"),
        ),
        AccountAction.RESEND_ID: ActionSpec(
            title=_("IDのお知らせを再送する"),
            button=_("再送する"),
            effects=(
                _("「IDのお知らせ」を、登録済みのメールアドレスへもう一度送ります。"),
                _("パスワードは送らず、変えません。"),
            ),
            reason_required=False,
            reason_asked=False,
            run=lambda user, actor, _reason: account_id_notice_resend(user=user, actor=actor),
            done=_("IDのお知らせを送りました。"),
        ),
        AccountAction.REISSUE_PASSWORD: ActionSpec(
            title=_("初期パスワードを再発行する"),
            button=_("再発行する"),
            effects=(
                _("今のパスワードはすぐに使えなくなり、ログイン中のセッションはすべて終了します。"),
                _(
                    "新しい初期パスワードは送信の時に作られ、「初期パスワードのお知らせ」だけで登録済みの"
                    "メールアドレスへ届きます。ヘルプデスクを含め、誰も見ることはできません。"
                ),
                _(
                    "IDはこのメールには書かれません（IDが必要なら「IDのお知らせを再送する」を別に行ってください）。"
                ),
                _("本人は次回ログイン時にパスワードを変更します。"),
            ),
            reason_required=True,
            reason_asked=True,
            run=lambda user, actor, reason: account_initial_password_reissue(
                user=user, actor=actor, reason=reason
            ),
            done=_("初期パスワードを再発行しました。登録済みのメールアドレスへ送ります。"),
        ),
        AccountAction.FORCE_PASSWORD_CHANGE: ActionSpec(
            title=_("次回ログイン時にパスワードを変更させる"),
            button=_("変更を求める"),
            effects=(
                _("ログイン中のセッションはすべて終了します。"),
                _("今のパスワードでログインすると、すぐに新しいパスワードの設定を求められます。"),
                _("メールは送りません。"),
            ),
            reason_required=False,
            reason_asked=True,
            run=lambda user, actor, reason: account_password_change_force(
                user=user, actor=actor, reason=reason
            ),
            done=_("次回ログイン時にパスワードの変更を求めます。"),
        ),
        AccountAction.CLOSE: ActionSpec(
            title=_("アカウントを利用終了にする"),
            button=_("利用終了にする"),
            effects=(
                _(
                    "このアカウントではもうログインできません。ログイン中のセッションは連携先を含めてすべて終了します。"
                ),
                _("この操作は取り消せません（受注者のアカウントは再開せず、必要なら新しく発行します）。"),
                _("メールは送りません。"),
            ),
            reason_required=True,
            reason_asked=True,
            run=lambda user, actor, reason: account_close(user=user, actor=actor, reason=reason),
            done=_("アカウントを利用終了にしました。"),
        ),
    }


@desk_staff_required
def account_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    try:
        chosen = AccountAction(action)
    except ValueError as exc:
        raise Http404 from exc
    user = User.objects.filter(pk=pk, role__in=ACCOUNT_ROLES).first()
    if user is None:
        raise Http404(_("アカウントが見つかりません。"))
    spec = _specs()[chosen]
    form = AccountActionForm(
        request.POST if request.method == "POST" else None, reason_required=spec.reason_required
    )
    if request.method == "POST":
        if not form.is_valid():
            form_errors_as_messages(request, form)
        else:
            reason = form.cleaned_data["reason"]
            done = run_service(request, lambda: spec.run(user, Actor.staff(request.user), reason), spec.done)
            if done is not None:
                return redirect("desk:account_detail", pk=user.pk)
    return render(
        request,
        "desk/accounts/action_confirm.html",
        {
            "account": user,
            "spec": spec,
            "form": form,
            "applies": account_action_applies(user=user, action=chosen),
        },
    )


def account_actions_for(user: User) -> list[tuple[str, str]]:
    """(action slug, button title) of the actions that apply to ``user`` now, for the include."""
    specs = _specs()
    return [(str(action), specs[action].title) for action in account_actions_applying(user=user)]
