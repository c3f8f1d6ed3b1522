"""Where each kind of search result links to."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from calsreg.accounts.models import Project, User
from calsreg.applications.models import Application


def project_url(pk: int) -> str:
    return reverse("desk:project_detail", args=[pk])


def row_url(row: Any) -> str:
    if isinstance(row, Application):
        return reverse("desk:application_detail", args=[row.pk])
    if isinstance(row, Project):
        return project_url(row.pk)
    if isinstance(row, User):
        return reverse("desk:account_detail", args=[row.pk])
    raise TypeError(f"no page for {type(row).__name__}")


def with_urls(results: Any) -> None:
    """Give every row its ``search_url`` (a directory entry: its account's page, if it has one)."""
    for group in (results.applications, results.projects, results.accounts):
        for row in group.rows:
            row.search_url = row_url(row)
    for supervisor in results.people.rows:
        account = getattr(supervisor, "account", None)
        supervisor.search_url = row_url(account) if account is not None else reverse("desk:directory")
