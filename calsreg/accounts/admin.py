from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from calsreg.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("calsreg", {"fields": ("role", "display_name")}),
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
    )
    # The state moves only through the services (start of use, closing), which audit it.
    readonly_fields = ("state", "supervisor", "activated_at")
    list_display = ("username", "display_name", "role", "state", "is_active", "last_login")
    list_filter = ("role", "state", "is_active")
