"""Who hears about a change request, and what they are told.

Every notice about a change request goes to addresses **on file** — the 申込担当者's and the filing
account's — never to an address written on the form: the form may be a forger's.
"""

from __future__ import annotations

from typing import Any

from calsreg.accounts.models import Project
from calsreg.changes.models import ChangeRequest


def project_mail_context(project: Project) -> dict[str, Any]:
    return {
        "project_name": project.name,
        "project_number": project.project_number,
        "contractor_name": project.contractor_name,
        "office_name": project.office.name,
    }


def recipients_on_file(request: ChangeRequest) -> dict[str, str]:
    """``{address: name}``: the registered 申込担当者, then the account that filed the request."""
    application = request.project.application
    recipients = {application.applicant_email: application.applicant_name}
    filer = request.filed_by
    if filer is not None and filer.email:
        recipients.setdefault(filer.email, filer.display_name)
    return recipients
