"""Whether a person may be signed in at a relying party now: my page's rule, and a project in use.

Checked at every step that issues or honours something — the authorization endpoint, the code
exchange, each refresh, userinfo and introspection — so a suspension takes effect at the next
refresh at the latest (access tokens live minutes).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from calsreg.accounts.access import account_login_refusal
from calsreg.accounts.models import User
from calsreg.sso.selectors import usable_projects


def sign_in_refusal(*, user: Any) -> str | None:
    """Why ``user`` may not be signed in at a relying party now (safe to show), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return _("ログインしていません。")
    if not isinstance(user, User):
        return _("このアカウントは利用できません。ヘルプデスクにお問い合わせください。")
    refusal = account_login_refusal(user=user)
    if refusal is not None:
        return refusal
    if not usable_projects(user=user).exists():
        # An orderer account stays usable at my page while in the directory; the service needs a project.
        return _(
            "利用中の工事がないため、情報共有システムにログインできません。"
            "ご不明な点はヘルプデスクにお問い合わせください。"
        )
    return None
