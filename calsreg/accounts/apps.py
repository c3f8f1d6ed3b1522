from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "calsreg.accounts"
    label = "accounts"
    verbose_name = _("アカウント")

    def ready(self) -> None:
        # Initial passwords and reset links are made at send time, never stored in clear
        # (invariant 4); web processes and workers alike need the hooks.
        from calsreg.accounts.services.notices import (
            PASSWORD_NOTICE,
            PASSWORD_RESET,
            account_password_notice_prepare,
            account_password_notice_requeue_check,
            account_password_reset_prepare,
        )
        from calsreg.notifications.rendering import register_prepare, register_requeue_check

        register_prepare(kind=PASSWORD_NOTICE, hook=account_password_notice_prepare)
        register_prepare(kind=PASSWORD_RESET, hook=account_password_reset_prepare)
        # The desk's re-send of a password notice the hook would refuse is refused up front.
        register_requeue_check(kind=PASSWORD_NOTICE, check=account_password_notice_requeue_check)
