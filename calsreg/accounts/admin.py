"""Users in the Django admin: account holders are read-only; staff users are added and edited
through ``accounts.services.staff`` (audited, a few fields only); nobody's password is set here.

A contractor's or a supervisor's e-mail and phone are what a password reset and the call-back
trust, so they change only through a change request verified by calling the person concerned.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UsernameField
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from calsreg.accounts.models import STAFF_ROLES, Role, User
from calsreg.accounts.services.staff import STAFF_EDITABLE_FIELDS, staff_user_create, staff_user_update
from calsreg.records.services import Actor


class StaffUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "display_name", "email", "role")
        field_classes = {"username": UsernameField}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # No "password": even read-only, the stored hash is nobody's business.
    fieldsets = (
        (None, {"fields": ("username", "display_name", "email", "role", "is_active")}),
        (
            _("アカウント（受注者・監督員）"),
            {
                "fields": (
                    "state",
                    "kana",
                    "phone",
                    "supervisor",
                    "must_change_password",
                    "initial_password_expires_at",
                    "activated_at",
                )
            },
        ),
        (
            _("管理サイト"),
            {
                "fields": (
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )
    add_form = StaffUserCreationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "email",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("username", "display_name", "role", "state", "is_active", "last_login")
    list_filter = ("role", "state", "is_active")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        staff = obj is None or obj.role in STAFF_ROLES
        return staff and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return tuple(name for name in flatten_fieldsets(self.fieldsets) if name not in STAFF_EDITABLE_FIELDS)

    def formfield_for_choice_field(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role":
            kwargs["choices"] = [(value, label) for value, label in Role.choices if value in STAFF_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        actor = Actor.staff(request.user)
        if change:
            staff_user_update(user=obj, actor=actor)
        else:
            staff_user_create(user=obj, actor=actor)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # A password set by someone else is known to them: staff use "forgot password" like everyone.
        raise PermissionDenied
