"""Writes of the accounts app. Every change: one atomic function, audit row and notices inside.

- ``registration``: a confirmed application becomes a project with accounts and credential mails.
- ``start_of_use``: the project goes live (now or on a scheduled day) and everyone is told.
- ``passwords``: the policy, the forced change at first login, "forgot password".
- ``membership``: contractor users and supervisors added to or removed from a project.
- ``contacts``: an account holder's contact details corrected; the e-mail change notices.
- ``details``: a project's details and its registration's contractor/applicant/billing details.
- ``erasure``: personal data erased on a deletion request or by the retention purge.
- ``closing``: end of use — an early end, closing a project (now or by the daily job).
- ``suspension``: a project suspended and reinstated (billing decides when).
- ``issuing``: how accounts are made and made usable (shared by the above).
- ``notices``: the credential, start-of-use and reset mails and their send-time hooks.
- ``api_tokens``: staff API tokens.
- ``login_locks``: the desk lifts a login lock (of an ID, or of a client address).
- ``account_actions``: the desk's actions on one account (re-send the ID, reissue the password, …).
- ``viewing``: staff opened an account's or a project's page (audited like an application view).
"""

from calsreg.accounts.access import account_login_refusal
from calsreg.accounts.services.account_actions import (
    AccountAction,
    account_action_applies,
    account_actions_applying,
    account_close,
    account_id_notice_resend,
    account_initial_password_reissue,
    account_password_change_force,
)
from calsreg.accounts.services.api_tokens import (
    IssuedApiToken,
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
)
from calsreg.accounts.services.closing import project_close, project_end_schedule, projects_close_due
from calsreg.accounts.services.contacts import account_contact_correct, account_email_change_refused_notify
from calsreg.accounts.services.details import (
    PROJECT_DETAIL_FIELDS,
    project_details_change,
    project_registration_details_change,
)
from calsreg.accounts.services.erasure import (
    account_personal_data_erase,
    accounts_anonymise,
    project_personal_data_erase,
)
from calsreg.accounts.services.login_locks import account_login_address_lock_lift, account_login_locks_lift
from calsreg.accounts.services.membership import (
    project_supervisor_add,
    project_supervisor_remove,
    project_user_add,
    project_user_remove,
)
from calsreg.accounts.services.passwords import (
    account_actor,
    account_password_change,
    account_password_reset_ask,
    account_password_reset_check,
    account_password_reset_complete,
    account_password_reset_request,
    password_policy_errors,
)
from calsreg.accounts.services.registration import (
    RegistrationPlan,
    project_register,
    project_register_preview,
)
from calsreg.accounts.services.start_of_use import (
    StartOfUsePlan,
    project_start_use,
    project_start_use_preview,
    projects_start_due,
)
from calsreg.accounts.services.suspension import (
    SuspensionCause,
    hand_reinstatement_applies,
    hand_suspension_applies,
    project_reinstate,
    project_reinstate_by_hand,
    project_suspend,
    project_suspend_by_hand,
    suspension_causes,
)
from calsreg.accounts.services.viewing import account_viewed, project_viewed

__all__ = [
    "PROJECT_DETAIL_FIELDS",
    "AccountAction",
    "IssuedApiToken",
    "RegistrationPlan",
    "StartOfUsePlan",
    "SuspensionCause",
    "account_action_applies",
    "account_actions_applying",
    "account_actor",
    "account_close",
    "account_contact_correct",
    "account_email_change_refused_notify",
    "account_id_notice_resend",
    "account_initial_password_reissue",
    "account_login_address_lock_lift",
    "account_login_locks_lift",
    "account_login_refusal",
    "account_password_change",
    "account_password_change_force",
    "account_password_reset_ask",
    "account_password_reset_check",
    "account_password_reset_complete",
    "account_password_reset_request",
    "account_personal_data_erase",
    "account_viewed",
    "accounts_anonymise",
    "api_token_authenticate",
    "api_token_issue",
    "api_token_revoke",
    "hand_reinstatement_applies",
    "hand_suspension_applies",
    "password_policy_errors",
    "project_close",
    "project_details_change",
    "project_end_schedule",
    "project_personal_data_erase",
    "project_register",
    "project_register_preview",
    "project_registration_details_change",
    "project_reinstate",
    "project_reinstate_by_hand",
    "project_start_use",
    "project_start_use_preview",
    "project_supervisor_add",
    "project_supervisor_remove",
    "project_suspend",
    "project_suspend_by_hand",
    "project_user_add",
    "project_user_remove",
    "project_viewed",
    "projects_close_due",
    "projects_start_due",
    "suspension_causes",
]
