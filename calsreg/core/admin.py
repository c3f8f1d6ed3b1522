"""The Django admin is a window onto the data, not a way around the services.

Domain rows change only through their app's services, which check the rules (a directory phone is
what the impersonation check calls; a contractor's e-mail changes only after a call-back) and write
the audit row. An admin edit would do neither, so every domain ModelAdmin and inline mixes in
``ReadOnlyAdminMixin``: the pages still show every field (read-only), and any add, change or delete
— a crafted POST included — is refused with 403 by Django's own permission checks. The few admin
writes that remain (staff users, billing configuration, portal notices) go through their owning
service, which writes the audit event with before and after.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Mix into a ``ModelAdmin`` or an inline before the admin class: view only, for everyone."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
