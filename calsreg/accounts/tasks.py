"""The accounts app's django-tasks tasks: "forgot password" requests, matched by the worker."""

from __future__ import annotations

from django_tasks import task


@task()
def password_reset_request_task(username: str, email: str, language: str) -> None:
    """Match a queued "forgot password" request and mail the link if it matches (account_password_reset_ask)."""
    # Imported here: the service module imports this one to enqueue the task.
    from calsreg.accounts.services.passwords import account_password_reset_request

    account_password_reset_request(username=username, email=email, language=language)
