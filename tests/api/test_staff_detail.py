"""GET /api/staff/applications/{receipt_number}: every field, and the view is audited (invariant 5)."""

import pytest

from calsreg.applications.models import Application
from calsreg.records.models import AuditEvent
from tests.api.helpers import application_submitted, bearer, staff_token
from tests.factories import OfficeFactory, SupervisorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application():
    office = OfficeFactory(code="1503", name="新潟地域振興局 地域整備部")
    supervisor = SupervisorFactory(office=office, name="山田 直樹", title="chief_supervisor")
    application = application_submitted(office=office, supervisors=[supervisor])
    Application.objects.filter(pk=application.pk).update(
        stated_supervisors=[{"name": "山田 直樹", "title": "chief_supervisor"}]
    )
    application.refresh_from_db()
    return application


def _url(receipt_number: str) -> str:
    return f"/api/staff/applications/{receipt_number}"


def test_the_detail_has_every_field_users_supervisors_and_notices(client, application):
    earlier = application_submitted(
        office=application.office, supervisors=list(application.supervisors.all())
    )
    Application.objects.filter(pk=application.pk).update(duplicate_of=earlier)
    supervisor = application.supervisors.get()
    _user, secret = staff_token()

    response = client.get(_url(application.receipt_number), **bearer(secret))

    assert response.status_code == 200
    body = response.json()
    assert body["submitted_at"].endswith("Z") and body["terms_accepted_at"] == body["submitted_at"]
    del body["submitted_at"], body["terms_accepted_at"]
    assert body == {
        "receipt_number": application.receipt_number,
        "status": "submitted",
        "status_label": "受付済み",
        "channel": "web",
        "channel_label": "Webフォーム",
        "form_version": "",
        "terms_version": "2026-04",
        "office": {"code": "1503", "name": "新潟地域振興局 地域整備部"},
        "project_number": "R8-新潟-土木-0123",
        "project_name": "信濃川護岸設置工事",
        "project_location": "新潟市中央区白山浦地内",
        "period_start": "2026-12-01",
        "period_end": "2027-03-19",
        "contract_amount": 48400000,
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
                "role_label": "現場代理人",
                "name": "田中 一郎",
                "kana": "タナカ イチロウ",
                "email": "tanaka@echigo-kensetsu.example.co.jp",
                "phone": "090-1234-5678",
                "requested_id": "tanaka",
            },
            {
                "position": 2,
                "role": "engineer",
                "role_label": "担当技術者",
                "name": "鈴木 次郎",
                "kana": "スズキ ジロウ",
                "email": "suzuki@echigo-kensetsu.example.co.jp",
                "phone": "080-2345-6789",
                "requested_id": "suzuki2",
            },
        ],
        "supervisors": [
            {
                "id": supervisor.pk,
                "name": "山田 直樹",
                "title": "chief_supervisor",
                "title_label": "主任監督員",
            }
        ],
        "stated_supervisors": [{"name": "山田 直樹", "title": "chief_supervisor"}],
        "notices": [],
        "duplicate_of": earlier.receipt_number,
    }


def test_opening_the_detail_records_one_view_by_the_token_user(client, application):
    user, secret = staff_token()
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    client.get(_url(application.receipt_number), **bearer(secret))

    (event,) = AuditEvent.objects.exclude(pk__in=before)
    assert (event.action, event.actor_type, event.actor, event.actor_label) == (
        "application.viewed",
        "api",
        user,
        f"api:{user.username}",
    )
    assert (event.subject_type, event.subject_id) == ("application", application.pk)


def test_the_detail_costs_a_fixed_number_of_queries(client, application, django_assert_num_queries):
    _user, secret = staff_token()

    # token, last-use stamp, receipt lookup, application, users, supervisors with their offices, audit row
    with django_assert_num_queries(7):
        response = client.get(_url(application.receipt_number), **bearer(secret))

    assert response.status_code == 200


def test_an_unknown_receipt_number_is_404_and_nothing_is_recorded(client, application):
    _user, secret = staff_token()
    before = AuditEvent.objects.count()

    response = client.get(_url("A2026-99999"), **bearer(secret))

    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "その受付番号の申込はありません。",
        "errors": [],
    }
    assert AuditEvent.objects.count() == before
