"""Where an application stands, told to the applicant (the status page)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from calsreg.applications.states import APPLICANT_STEPS, Status

# What is happening now, per state, in the applicant's words.
NOW_HAPPENING: dict[str, Promise] = {
    Status.SUBMITTED: _("申込を受け付けました。ヘルプデスクで申込内容を確認しています。"),
    Status.AWAITING_CONFIRMATION: _(
        "ヘルプデスクが、発注者の監督員にメールと電話で申込内容を確認しています（なりすまし防止のため）。"
    ),
    Status.CONFIRMED: _("発注者による確認が完了しました。システムへの登録を準備しています。"),
    Status.REGISTERED: _(
        "システムに登録し、ID・パスワードを各利用者へメールでお送りしました。"
        "「利用開始通知」のメールが届くまで、ご利用をお待ちください。"
    ),
    Status.IN_SERVICE: _(
        "「利用開始通知」をお送りしました。システムをご利用いただけます。"
        "利用料の請求書は、請求代行会社から郵送されます。"
    ),
    # Side states: neutral wording; reasons are given by the help desk, not on a public page.
    Status.RETURNED: _(
        "申込内容に確認・修正が必要な点があるため、申込をお返ししています。"
        "ヘルプデスクからのメールをご確認のうえ、修正した申込をお送りください。"
    ),
    Status.REJECTED: _("この申込はお受けできませんでした。詳しくはヘルプデスクへお問い合わせください。"),
    Status.WITHDRAWN: _("この申込は取り下げられました。改めて利用される場合は、新たにお申し込みください。"),
}
SIDE_STATES = frozenset({Status.RETURNED, Status.REJECTED, Status.WITHDRAWN})


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"


def applicant_progress(status: str) -> list[Step]:
    """The main steps with the current one marked; empty for a side state (shown as a message)."""
    if status in SIDE_STATES:
        return []
    order = [value for value, _label in APPLICANT_STEPS]
    current = order.index(status) if status in order else 0
    return [
        Step(label=label, state="done" if index < current else "current" if index == current else "todo")
        for index, (_value, label) in enumerate(APPLICANT_STEPS)
    ]
