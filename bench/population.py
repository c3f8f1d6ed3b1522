"""Fast, realistic test data: applications with their users, straight into the tables.

Only what the desk's lists and detail page read is written (offices and supervisors through the demo
directory, applications, their users and matched supervisors). Evidence files and audit events are
left out on purpose: they are not what these benchmarks measure and would only slow the set-up.
Rows go in with ``COPY`` on PostgreSQL (``bench.copyload``: a million applications in minutes) and
with ``bulk_create`` in batches elsewhere. Afterwards the data other changes derive from the
applications (search index, status counts, stored durations) is rebuilt through ``bench.hooks``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bench import words
from bench.copyload import copy_rows, copy_supported, ids_reserve
from bench.hooks import refresh_derived
from calsreg.applications.models import (
    Application,
    ApplicationStepTime,
    ApplicationUser,
    Channel,
    ReceiptCounter,
    UserRole,
)
from calsreg.applications.numbering import PREFIX
from calsreg.applications.schema import FORM_VERSION
from calsreg.applications.states import Status
from calsreg.directory.demo import load_demo_directory
from calsreg.directory.models import OrdererOffice, Supervisor
from calsreg.records.services import Actor

BATCH_SIZE = 5_000
HISTORY_DAYS = 730  # two years of applications
DUPLICATE_SHARE = 0.01  # applications flagged as a possible duplicate of an earlier one
CHANNEL_WEIGHTS = {
    Channel.WEB: 45,
    Channel.WORKBOOK: 30,
    Channel.DESK_WORKBOOK: 10,
    Channel.DESK_MAIL: 10,
    Channel.API: 5,
}
# The status mix depends on age: recent applications are still being worked, old ones are in use.
STATUS_WEIGHTS_BY_AGE = (
    (
        14,
        {
            Status.SUBMITTED: 35,
            Status.AWAITING_CONFIRMATION: 30,
            Status.CONFIRMED: 20,
            Status.RETURNED: 10,
            Status.WITHDRAWN: 5,
        },
    ),
    (
        45,
        {
            Status.AWAITING_CONFIRMATION: 10,
            Status.CONFIRMED: 15,
            Status.REGISTERED: 25,
            Status.IN_SERVICE: 40,
            Status.RETURNED: 3,
            Status.REJECTED: 3,
            Status.WITHDRAWN: 4,
        },
    ),
    (HISTORY_DAYS + 1, {Status.IN_SERVICE: 90, Status.REJECTED: 4, Status.WITHDRAWN: 6}),
)
# Statuses at which the desk has matched the supervisors to the directory.
MATCHED_STATUSES = frozenset({Status.CONFIRMED, Status.REGISTERED, Status.IN_SERVICE})


@dataclass(frozen=True)
class Population:
    size: int
    application_ids: list[int]  # in order of submission
    matched_ids: list[int]  # those whose supervisors are matched to the directory


@dataclass(frozen=True)
class _Company:
    name: str
    kana: str
    domain: str
    representative: str
    postcode: str
    address: str
    phone: str

    def contractor_and_billing(self, *, department: str) -> dict[str, str]:
        """The application's 受注者情報 and 請求書送付先 (invoices go to the company itself)."""
        return {
            "contractor_name": self.name,
            "contractor_kana": self.kana,
            "contractor_representative": self.representative,
            "contractor_postcode": self.postcode,
            "contractor_address": self.address,
            "contractor_phone": self.phone,
            "billing_addressee": self.name,
            "billing_department": department,
            "billing_postcode": self.postcode,
            "billing_address": self.address,
            "billing_phone": self.phone,
        }


def directory_ensure() -> None:
    """The twelve offices and their supervisors (the demo directory; idempotent)."""
    load_demo_directory(actor=Actor.system("bench"))


def population_reset() -> None:
    """Remove every application and its users, matches and receipt counters."""
    tables = [
        ApplicationStepTime._meta.db_table,
        Application.supervisors.through._meta.db_table,
        ApplicationUser._meta.db_table,
        Application._meta.db_table,
        ReceiptCounter._meta.db_table,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def populate(*, size: int, seed: int = 2026, now: datetime | None = None) -> Population:
    """Add ``size`` applications submitted over the two years before ``now`` (default: now)."""
    rng = random.Random(seed)
    now = now or timezone.now()
    offices = list(OrdererOffice.objects.filter(active=True).order_by("code"))
    if not offices:
        raise RuntimeError("no offices: call directory_ensure() first")
    supervisors: dict[int, list[int]] = {}
    for office_id, supervisor_id in Supervisor.objects.filter(active=True).values_list("office_id", "id"):
        supervisors.setdefault(office_id, []).append(supervisor_id)
    companies = _companies(rng)
    times = sorted(now - timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86_400)) for _ in range(size))
    receipt_numbers = _receipt_numbers(times)
    project_counters: Counter[tuple[int, int]] = Counter()
    ids: list[int] = []
    matched_ids: list[int] = []
    for start in range(0, size, BATCH_SIZE):
        batch = [
            _application(
                rng,
                submitted_at=times[i],
                receipt_number=receipt_numbers[i],
                office=rng.choice(offices),
                company=rng.choice(companies),
                now=now,
                project_counters=project_counters,
            )
            for i in range(start, min(start + BATCH_SIZE, size))
        ]
        with transaction.atomic():
            rows_write(Application, batch)
            rows_write(ApplicationUser, [user for application in batch for user in _users(rng, application)])
            matched_ids.extend(_match_supervisors(rng, batch, supervisors))
        ids.extend(application.pk for application in batch)
    _flag_duplicates(rng, ids)
    _receipt_counters_set(receipt_numbers)
    refresh_derived()
    return Population(size=size, application_ids=ids, matched_ids=matched_ids)


def rows_write(model: type, objects: list) -> list:
    """COPY on PostgreSQL (keys reserved first, so children can point at them), else bulk_create;
    returns ``objects``, with their primary keys."""
    if not copy_supported():
        return list(model.objects.bulk_create(objects, batch_size=BATCH_SIZE))
    if objects and objects[0].pk is None and model is not Application.supervisors.through:
        first = ids_reserve(model, len(objects))
        for offset, obj in enumerate(objects):
            obj.pk = first + offset
    copy_rows(model, objects)
    return objects


def _companies(rng: random.Random) -> list[_Company]:
    companies = []
    for stem, stem_kana, stem_romaji in words.COMPANY_STEMS:
        for number, (kind, kind_kana) in enumerate(words.COMPANY_KINDS, start=1):
            city, district = rng.choice(words.PLACES)
            prefix_kabu = rng.random() < 0.5  # 前株 or 後株
            name = f"株式会社{stem}{kind}" if prefix_kabu else f"{stem}{kind}株式会社"
            kana = (
                f"カブシキガイシャ{stem_kana}{kind_kana}"
                if prefix_kabu
                else f"{stem_kana}{kind_kana}カブシキガイシャ"
            )
            surname, given = rng.choice(words.SURNAMES), rng.choice(words.GIVEN_NAMES)
            companies.append(
                _Company(
                    name=name,
                    kana=kana,
                    domain=f"{stem_romaji}{number}.example",
                    representative=f"{surname[0]}　{given[0]}",
                    postcode=f"9{rng.randint(40, 59)}-{rng.randint(0, 9999):04d}",
                    address=f"新潟県{city}{district}{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
                    phone=f"025-{rng.randint(200, 399)}-{rng.randint(0, 9999):04d}",
                )
            )
    return companies


def _receipt_numbers(times: list[datetime]) -> list[str]:
    """A2025-00001, … in order of submission, restarting each (Japanese) calendar year."""
    last: Counter[int] = Counter()
    numbers = []
    for moment in times:
        year = timezone.localtime(moment).year
        last[year] += 1
        numbers.append(f"{PREFIX}{year}-{last[year]:05d}")
    return numbers


def _application(
    rng: random.Random,
    *,
    submitted_at: datetime,
    receipt_number: str,
    office: OrdererOffice,
    company: _Company,
    now: datetime,
    project_counters: Counter[tuple[int, int]],
) -> Application:
    local_day = timezone.localtime(submitted_at).date()
    fiscal_year = local_day.year if local_day.month >= 4 else local_day.year - 1
    reiwa = fiscal_year - 2018
    project_counters[(office.pk, fiscal_year)] += 1
    bureau = office.name.split("地域振興局")[0]
    category = rng.choice(words.WORK_CATEGORIES)
    city, district = rng.choice(words.PLACES)
    contract_date = local_day - timedelta(days=rng.randint(0, 10))
    period_start = contract_date + timedelta(days=rng.randint(1, 14))
    sequel = rng.choice(("", "", "", "（その2）", "（その3）"))
    applicant = _person(rng)
    department = rng.choice(("工務部", "総務部", "経理課", ""))
    return Application(
        receipt_number=receipt_number,
        status=_status(rng, age_days=(now - submitted_at).days),
        channel=_weighted(rng, CHANNEL_WEIGHTS),
        form_version=FORM_VERSION,
        submitted_at=submitted_at,
        office=office,
        project_number=f"R{reiwa}-{bureau}-{category}-{project_counters[(office.pk, fiscal_year)]:04d}",
        project_name=f"令和{reiwa}年度 {rng.choice(words.FACILITIES)}{rng.choice(words.WORKS)}{sequel}",
        project_location=f"{city}{district}地内",
        period_start=period_start,
        period_end=period_start + timedelta(days=rng.randint(60, 540)),
        contract_amount=int(round(10 ** rng.uniform(6.5, 8.9), -3)),  # about ¥3M to ¥800M
        contract_date=contract_date,
        applicant_name=applicant.name,
        applicant_kana=applicant.kana,
        applicant_email=f"{applicant.login}@{company.domain}",
        applicant_phone=_mobile(rng),
        **company.contractor_and_billing(department=department),
        terms_version=settings.TERMS_VERSION,
        terms_accepted_at=submitted_at,
    )


@dataclass(frozen=True)
class _Person:
    name: str
    kana: str
    login: str  # mail local part
    surname_romaji: str


def _person(rng: random.Random) -> _Person:
    surname, given = rng.choice(words.SURNAMES), rng.choice(words.GIVEN_NAMES)
    return _Person(
        name=f"{surname[0]}　{given[0]}",
        kana=f"{surname[1]}　{given[1]}",
        login=f"{given[2][0]}.{surname[2]}",
        surname_romaji=surname[2],
    )


def _users(rng: random.Random, application: Application) -> list[ApplicationUser]:
    domain = application.applicant_email.split("@", 1)[1]
    roles = [UserRole.SITE_AGENT, UserRole.CHIEF_ENGINEER]
    users = []
    for position in range(1, rng.randint(2, 5) + 1):
        person = _person(rng)
        role = (
            roles[position - 1] if position <= len(roles) else rng.choice((UserRole.ENGINEER, UserRole.OTHER))
        )
        users.append(
            ApplicationUser(
                application=application,
                position=position,
                role=role,
                name=person.name,
                kana=person.kana,
                email=f"{person.login}@{domain}",
                phone=_mobile(rng),
                # 3–10 letters and digits; the position keeps it unique within the application
                requested_id=f"{person.surname_romaji[:8]}{position}",
            )
        )
    return users


def _match_supervisors(
    rng: random.Random, batch: list[Application], supervisors: dict[int, list[int]]
) -> list[int]:
    """Link 1–2 of the office's supervisors to each confirmed-or-later application; return their ids."""
    through = Application.supervisors.through
    rows = []
    matched = []
    for application in batch:
        candidates = supervisors.get(application.office_id, [])
        if application.status in MATCHED_STATUSES and candidates:
            matched.append(application.pk)
            for supervisor_id in rng.sample(candidates, k=min(len(candidates), rng.randint(1, 2))):
                rows.append(through(application_id=application.pk, supervisor_id=supervisor_id))
    rows_write(through, rows)
    return matched


def _flag_duplicates(rng: random.Random, ids: list[int]) -> None:
    if len(ids) < 2:
        return
    flagged = rng.sample(range(1, len(ids)), k=max(1, int(len(ids) * DUPLICATE_SHARE)))
    updates = [Application(pk=ids[i], duplicate_of_id=ids[rng.randrange(0, i)]) for i in flagged]
    Application.objects.bulk_update(updates, ["duplicate_of"], batch_size=500)


def _receipt_counters_set(receipt_numbers: list[str]) -> None:
    last: dict[int, int] = {}
    for number in receipt_numbers:
        year, sequence = number[len(PREFIX) :].split("-")
        last[int(year)] = max(last.get(int(year), 0), int(sequence))
    for year, sequence in last.items():
        ReceiptCounter.objects.update_or_create(year=year, defaults={"last": sequence})


def _status(rng: random.Random, *, age_days: int) -> str:
    for max_age, weights in STATUS_WEIGHTS_BY_AGE:
        if age_days < max_age:
            return _weighted(rng, weights)
    return Status.IN_SERVICE


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _mobile(rng: random.Random) -> str:
    return f"090-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"
