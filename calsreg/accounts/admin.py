from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from calsreg.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("calsreg", {"fields": ("role", "display_name")}))
    list_display = ("username", "display_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
