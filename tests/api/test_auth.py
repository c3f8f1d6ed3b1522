"""Token authentication and role separation on the staff endpoints (invariant 6)."""

import pytest
from django.utils import timezone

from calsreg.accounts.models import ApiToken, Role
from calsreg.accounts.services import api_token_revoke
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.api.helpers import application_submitted, bearer, staff_token
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = {
    "code": "unauthenticated",
    "message": "有効なAPIトークンを Authorization: Bearer ヘッダーで送ってください。",
    "errors": [],
}
FORBIDDEN = {
    "code": "permission_denied",
    "message": "このAPIトークンの利用者には、申込を閲覧する権限がありません。",
    "errors": [],
}


@pytest.fixture
def receipt_number():
    supervisor = SupervisorFactory()
    return application_submitted(office=supervisor.office, supervisors=[supervisor]).receipt_number


@pytest.fixture(params=["list", "detail"])
def url(request, receipt_number):
    return (
        "/api/staff/applications" if request.param == "list" else f"/api/staff/applications/{receipt_number}"
    )


def _revoked() -> dict:
    _user, secret = staff_token()
    api_token_revoke(token=ApiToken.objects.get(), actor=Actor.system("test"))
    return bearer(secret)


def _inactive_user() -> dict:
    user, secret = staff_token()
    user.is_active = False
    user.save()
    return bearer(secret)


@pytest.mark.parametrize(
    "headers",
    [
        lambda: {},
        lambda: bearer("csr_not-a-token"),
        lambda: bearer(""),
        lambda: {"HTTP_AUTHORIZATION": "Basic c3RhZmY6cGFzc3dvcmQ="},
        lambda: {"HTTP_AUTHORIZATION": f"Token {staff_token()[1]}"},
        _revoked,
        _inactive_user,
    ],
    ids=["none", "unknown", "empty", "basic", "wrong-scheme", "revoked", "inactive-user"],
)
def test_without_a_live_token_the_staff_endpoints_answer_401(client, url, headers):
    before = AuditEvent.objects.filter(action="application.viewed").count()

    response = client.get(url, **headers())

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED
    assert response["WWW-Authenticate"] == "Bearer"
    assert AuditEvent.objects.filter(action="application.viewed").count() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.HELP_DESK, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.BILLING_AGENT, 403),
        (Role.CONTRACTOR, 403),
        (Role.SUPERVISOR, 403),
    ],
)
def test_only_help_desk_and_administrator_tokens_reach_applications(client, url, role, status):
    # Tokens are issued to staff only; a contractor's or supervisor's token is one whose user later
    # changed role, which must not keep the access.
    user, secret = staff_token(role=Role.HELP_DESK if role in {Role.CONTRACTOR, Role.SUPERVISOR} else role)
    user.role = role
    if role in {Role.CONTRACTOR, Role.SUPERVISOR}:
        user.username = "holder.abc"  # account holders' IDs have the seed's shape
    user.save()

    response = client.get(url, **bearer(secret))

    assert response.status_code == status
    if status == 403:
        assert response.json() == FORBIDDEN
        assert not AuditEvent.objects.filter(action="application.viewed").exists()


def test_a_successful_call_stamps_the_tokens_last_use(client, url):
    _user, secret = staff_token()
    token = ApiToken.objects.get()
    assert token.last_used_at is None

    before = timezone.now()
    client.get(url, **bearer(secret))

    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at >= before


def test_the_public_endpoints_need_no_token(client):
    assert client.get("/api/offices").status_code == 200
