"""factory_boy factories and a valid raw application payload, shared by the suites."""

from __future__ import annotations

from typing import Any

import factory

from calsreg.accounts.models import Role, User
from calsreg.directory.models import OrdererOffice, OrdererOrganisation, Supervisor, SupervisorTitle


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrdererOrganisation
        django_get_or_create = ("code",)

    code = "15"
    name = "新潟県"


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrdererOffice

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"テスト{n}地域振興局 地域整備部")
    postcode = "950-8570"
    address = "新潟県新潟市中央区新光町4番地1"
    phone = "025-285-5511"


class SupervisorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supervisor

    office = factory.SubFactory(OfficeFactory)
    code = factory.Sequence(lambda n: f"S{n:05d}")
    name = factory.Sequence(lambda n: f"監督 {n}郎")
    kana = "カントク イチロウ"
    title = SupervisorTitle.CHIEF_SUPERVISOR
    email = factory.Sequence(lambda n: f"supervisor{n}@office.example.pref-niigata.jp")
    phone = "025-285-5511"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    # Account holders' IDs have the seed's shape (requested part + "." + 3 letters).
    username = factory.LazyAttributeSequence(
        lambda o, n: f"user{n:04d}.abc" if o.role in ("contractor", "supervisor") else f"staff{n}"
    )
    role = Role.HELP_DESK
    display_name = factory.Sequence(lambda n: f"職員 {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def valid_payload(
    *, office: OrdererOffice, supervisors: list[Supervisor], **overrides: Any
) -> dict[str, Any]:
    """A raw payload (strings, as a form or the API sends them) that passes validation."""
    payload: dict[str, Any] = {
        "office": office.code,
        "project_number": "R8-新潟-土木-0123",
        "project_name": "信濃川護岸設置工事",
        "project_location": "新潟市中央区白山浦地内",
        "period_start": "2026-12-01",
        "period_end": "2027-03-19",
        "contract_amount": "48400000",
        "contract_date": "2026-11-20",
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
        "billing_department": "工事部",
        "billing_postcode": "950-0088",
        "billing_address": "新潟県新潟市中央区万代1丁目1番1号",
        "billing_phone": "025-244-1234",
        "users": [
            {
                "position": 1,
                "role": "site_agent",
                "name": "田中 一郎",
                "kana": "タナカ イチロウ",
                "email": "tanaka@echigo-kensetsu.example.co.jp",
                "phone": "090-1234-5678",
                "requested_id": "tanaka",
            },
            {
                "position": 2,
                "role": "engineer",
                "name": "鈴木 次郎",
                "kana": "スズキ ジロウ",
                "email": "suzuki@echigo-kensetsu.example.co.jp",
                "phone": "080-2345-6789",
                "requested_id": "suzuki2",
            },
        ],
        "supervisor_ids": [s.pk for s in supervisors],
        "terms_accepted": True,
    }
    payload.update(overrides)
    return payload
