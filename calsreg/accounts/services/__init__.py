"""Writes of the accounts app. Every change: one atomic function, audit row and notices inside.

- ``registration``: a confirmed application becomes a project with accounts and credential mails.
- ``start_of_use``: the project goes live (now or on a scheduled day) and everyone is told.
- ``passwords``: the policy, the forced change at first login, "forgot password".
- ``notices``: the credential, start-of-use and reset mails and their send-time hooks.
- ``api_tokens``: staff API tokens.
"""

from calsreg.accounts.access import account_login_refusal
from calsreg.accounts.services.api_tokens import (
    IssuedApiToken,
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
)
from calsreg.accounts.services.passwords import (
    account_actor,
    account_password_change,
    account_password_reset_check,
    account_password_reset_complete,
    account_password_reset_request,
    password_policy_errors,
)
from calsreg.accounts.services.registration import project_register
from calsreg.accounts.services.start_of_use import project_start_use, projects_start_due

__all__ = [
    "IssuedApiToken",
    "account_actor",
    "account_login_refusal",
    "account_password_change",
    "account_password_reset_check",
    "account_password_reset_complete",
    "account_password_reset_request",
    "api_token_authenticate",
    "api_token_issue",
    "api_token_revoke",
    "password_policy_errors",
    "project_register",
    "project_start_use",
    "projects_start_due",
]
