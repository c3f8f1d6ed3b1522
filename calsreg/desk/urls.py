"""The desk's routes (the ``desk:`` namespace): one ``urls`` module per feature package, in this order."""

from calsreg.desk.accounts import urls as urls_accounts
from calsreg.desk.applications import urls as urls_applications
from calsreg.desk.auth import urls as urls_auth
from calsreg.desk.billing import urls as urls_billing
from calsreg.desk.changes import urls as urls_changes
from calsreg.desk.dashboard import urls as urls_dashboard
from calsreg.desk.directory import urls as urls_directory
from calsreg.desk.jobs import urls as urls_jobs
from calsreg.desk.login_locks import urls as urls_login_locks
from calsreg.desk.mail import urls as urls_mail
from calsreg.desk.mailbox import urls as urls_mailbox
from calsreg.desk.notices import urls as urls_notices
from calsreg.desk.outbox import urls as urls_outbox
from calsreg.desk.project_actions import urls as urls_project_actions
from calsreg.desk.projects import urls as urls_projects
from calsreg.desk.search import urls as urls_search
from calsreg.desk.sso import urls as urls_sso
from calsreg.desk.verification import urls as urls_verification

app_name = "desk"

# Sign-in and sign-out.
urlpatterns = list(urls_auth.urlpatterns)
# The application queue, one application's page, its kept files, intake.
urlpatterns += urls_applications.urlpatterns
# The orderer directory.
urlpatterns += urls_directory.urlpatterns
# The demo's outbox.
urlpatterns += urls_outbox.urlpatterns
# Login locks and lifting them.
urlpatterns += urls_login_locks.urlpatterns
# The daily jobs' history.
urlpatterns += urls_jobs.urlpatterns
# Confirmation, calls, decisions, registration and start of use on an application.
urlpatterns += urls_verification.urlpatterns
# The billing agent's screens (invoices, aging, billing runs).
urlpatterns += urls_billing.urlpatterns
# The dashboard, "my work" and assignment.
urlpatterns += urls_dashboard.urlpatterns
# Change (correction) requests: queue, detail, call-back verification, apply, reject.
urlpatterns += urls_changes.urlpatterns
# Single sign-on: relying parties, their deliveries; one account's page.
urlpatterns += urls_sso.urlpatterns + urls_accounts.urlpatterns
# The search box of every desk page.
urlpatterns += urls_search.urlpatterns
# Hand suspension and reinstatement of a project.
urlpatterns += urls_project_actions.urlpatterns
# One project's page.
urlpatterns += urls_projects.urlpatterns
# Failed and stuck mail, re-sent.
urlpatterns += urls_mail.urlpatterns
# Received mail: the triage list, every message, one message and its actions.
urlpatterns += urls_mailbox.urlpatterns
# Staff notices: the list, the polled unread count, the digest choice.
urlpatterns += urls_notices.urlpatterns
