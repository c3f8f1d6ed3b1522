"""Builders for the accounts tests: applications written straight to the database in the status a
test states (the verification services that set ``confirmed`` are another suite's subject)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Membership, PasswordHistory, Project, User
from calsreg.applications.models import Application, ApplicationUser, Channel
from calsreg.directory.models import Supervisor
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, UserFactory

_numbers = itertools.count(1)

# A moment inside the construction period every builder here (and ``tests.factories.valid_payload``)
# gives a project, 2026-12-01 – 2027-03-19: tests that start use travel to it, or to a day of their own.
A_DAY_OF_THE_PERIOD = dt.datetime(2026, 12, 7, 10, tzinfo=dt.timezone(dt.timedelta(hours=9)))

TANAKA = {
    "role": "site_agent",
    "name": "田中 一郎",
    "kana": "タナカ イチロウ",
    "email": "tanaka@echigo-kensetsu.example.co.jp",
    "phone": "090-1234-5678",
    "requested_id": "tanaka",
}
SUZUKI = {
    "role": "engineer",
    "name": "鈴木 次郎",
    "kana": "スズキ ジロウ",
    "email": "suzuki@echigo-kensetsu.example.co.jp",
    "phone": "080-2345-6789",
    "requested_id": "suzuki2",
}


def application_in(
    *,
    status: str = "confirmed",
    supervisors: list[Supervisor] | None = None,
    users: list[dict[str, str]] | None = None,
    **overrides: Any,
) -> Application:
    """An application in ``status`` with its users (default: tanaka and suzuki2) and supervisors."""
    number = next(_numbers)
    supervisors = supervisors if supervisors is not None else [SupervisorFactory()]
    office = supervisors[0].office if supervisors else SupervisorFactory().office
    values: dict[str, Any] = {
        "receipt_number": f"T2026-{number:05d}",  # not the counter's A prefix: no clash with submissions
        "status": status,
        "channel": Channel.WEB,
        "submitted_at": timezone.now(),
        "office": office,
        "project_number": f"R8-新潟-土木-{number:04d}",
        "project_name": "信濃川護岸設置工事",
        "project_location": "新潟市中央区白山浦地内",
        "period_start": dt.date(2026, 12, 1),
        "period_end": dt.date(2027, 3, 19),
        "contract_amount": 48_400_000,
        "contract_date": dt.date(2026, 11, 20),
        "contractor_name": "株式会社越後建設",
        "contractor_kana": "カブシキガイシャエチゴケンセツ",
        "contractor_representative": "越後 正樹",
        "contractor_postcode": "950-0088",
        "contractor_address": "新潟県新潟市中央区万代1丁目1番1号",
        "contractor_phone": "025-244-1234",
        "applicant_name": "田中 一郎",
        "applicant_kana": "タナカ イチロウ",
        "applicant_email": "tanaka@echigo-kensetsu.example.co.jp",
        "applicant_phone": "090-1234-5678",
        "billing_addressee": "株式会社越後建設",
        "billing_postcode": "950-0088",
        "billing_address": "新潟県新潟市中央区万代1丁目1番1号",
        "billing_phone": "025-244-1234",
        "terms_version": "2026-04",
        "terms_accepted_at": timezone.now(),
    }
    values.update(overrides)
    application = Application.objects.create(**values)
    for position, user in enumerate(users if users is not None else [TANAKA, SUZUKI], start=1):
        ApplicationUser.objects.create(application=application, position=position, **user)
    application.supervisors.set(supervisors)
    return application


def desk_actor() -> Actor:
    return Actor.staff(UserFactory(role="help_desk"))


@dataclass(frozen=True)
class Snapshot:
    """Everything a refused action must leave as it was."""

    projects: int
    users: int
    memberships: int
    deliveries: int
    tasks: int
    audit_events: int
    password_history: int
    passwords: tuple[tuple[int, str], ...]


def snapshot() -> Snapshot:
    return Snapshot(
        projects=Project.objects.count(),
        users=User.objects.count(),
        memberships=Membership.objects.count(),
        deliveries=Delivery.objects.count(),
        tasks=DBTaskResult.objects.count(),
        audit_events=AuditEvent.objects.count(),
        password_history=PasswordHistory.objects.count(),
        passwords=tuple(User.objects.order_by("pk").values_list("pk", "password")),
    )


def login_request() -> Any:
    """A request for ``authenticate()`` (django-axes needs one)."""
    request = RequestFactory().post("/mypage/login/")
    request.user = AnonymousUser()
    return request


PASSWORD = "Kz7-shinano-gawa"


def registered(**kwargs: Any) -> tuple[Project, list[User]]:
    """A registered project (start of use not yet) and its accounts, each with password PASSWORD."""
    from calsreg.accounts.selectors import project_accounts
    from calsreg.accounts.services import project_register

    project = project_register(application=application_in(**kwargs), actor=desk_actor())
    accounts = list(project_accounts(project=project))
    for user in accounts:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return project, accounts


def started(**kwargs: Any) -> tuple[Project, list[User]]:
    """A project in use and its (now active) accounts, each with password PASSWORD."""
    from calsreg.accounts.services import project_start_use

    project, accounts = registered(**kwargs)
    project = project_start_use(project=project, actor=desk_actor())
    for user in accounts:
        user.refresh_from_db()
    return project, accounts


RESET_REQUEST_TASK = "calsreg.accounts.tasks.password_reset_request_task"


def reset_requests_process() -> int:
    """Do what the worker does with each queued "forgot password" request, in this process (the
    real worker runs in tests/portal/test_mypage_password.py); return how many there were."""
    queued = list(DBTaskResult.objects.filter(task_path=RESET_REQUEST_TASK).ready())
    for result in queued:
        result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        result.delete()
    return len(queued)
