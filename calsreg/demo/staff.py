"""Demo staff accounts. Their passwords are printed by `make demo`; never use them in production."""

from __future__ import annotations

from calsreg.accounts.models import Role, User

DEMO_STAFF = (
    # username, password, role, display name, superuser
    ("helpdesk", "helpdesk-demo-2026", Role.HELP_DESK, "受付 花子（ヘルプデスク）", False),
    ("billing", "billing-demo-2026", Role.BILLING_AGENT, "請求 一郎（請求代行）", False),
    ("admin", "admin-demo-2026", Role.ADMINISTRATOR, "管理 太郎（管理者）", True),
)


def load_demo_staff() -> list[tuple[str, str, str]]:
    """Create (or reset) the demo staff users; returns (username, password, role label) rows."""
    rows = []
    for username, password, role, display_name, superuser in DEMO_STAFF:
        user, _created = User.objects.get_or_create(username=username)
        user.role = role
        user.display_name = display_name
        user.is_staff = superuser
        user.is_superuser = superuser
        user.is_active = True
        user.set_password(password)
        user.save()
        rows.append((username, password, str(Role(role).label)))
    return rows
