"""Every new staff action needs a help-desk or administrator token (invariant 6), and the OpenAPI
document lists every new operation with its schemas, Japanese texts, and no field for an address."""

from __future__ import annotations

from typing import Any

import pytest

from calsreg.accounts.models import Role, User
from tests.api.helpers import bearer, staff_token
from tests.api.test_desk_actions import (
    DIRECTORY_EMAIL,
    api_state,
    directory_supervisor,
    eml_upload,
    url,
)
from tests.desk.helpers import submit_application

pytestmark = pytest.mark.django_db


# --- authentication on every new staff endpoint -----------------------------------------------------

STAFF_CALLS = [
    ("get", "confirmation", None),
    ("post", "confirmation-requests", {"expected_open_ids": []}),
    ("multipart", "confirmation-requests/1/reply", {"answer": "confirmed"}),
    ("post", "calls", {"supervisor_id": 1, "outcome": "confirmed"}),
    ("post", "return", {"reason": "理由"}),
    ("post", "reject", {"reason": "理由"}),
    ("post", "register", {}),
    ("post", "start-use", {}),
]


def _call(client, method: str, target: str, body: Any, headers: dict[str, str]):
    if method == "get":
        return client.get(target, **headers)
    if method == "multipart":
        return client.post(target, {"file": eml_upload(sender=DIRECTORY_EMAIL), **body}, **headers)
    return client.post(target, body, content_type="application/json", **headers)


@pytest.mark.parametrize(("method", "tail", "body"), STAFF_CALLS, ids=[c[1] for c in STAFF_CALLS])
@pytest.mark.parametrize(
    ("who", "status"),
    [("none", 401), ("invalid", 401), (Role.BILLING_AGENT, 403), (Role.CONTRACTOR, 403)],
)
def test_without_a_desk_token_every_action_is_refused_and_nothing_changes(
    client, method, tail, body, who, status
):
    application = submit_application(supervisor=directory_supervisor())
    if who == "none":
        headers: dict[str, str] = {}
    elif who == "invalid":
        headers = bearer("csr_not-a-token")
    else:
        user, secret = staff_token(role=Role.HELP_DESK if who == Role.CONTRACTOR else who)
        if who == Role.CONTRACTOR:  # a token whose user later became an account holder
            User.objects.filter(pk=user.pk).update(role=Role.CONTRACTOR, username="holder.abc")
        headers = bearer(secret)
    before = api_state()

    response = _call(client, method, url(application, tail), body, headers)

    assert response.status_code == status
    assert response.json()["code"] == ("unauthenticated" if status == 401 else "permission_denied")
    assert api_state() == before


@pytest.mark.parametrize(("method", "tail", "body"), STAFF_CALLS, ids=[c[1] for c in STAFF_CALLS])
@pytest.mark.parametrize("role", [Role.HELP_DESK, Role.ADMINISTRATOR])
def test_help_desk_and_administrator_tokens_reach_every_action(client, method, tail, body, role):
    application = submit_application(supervisor=directory_supervisor())
    _user, secret = staff_token(role=role)

    response = _call(client, method, url(application, tail), body, bearer(secret))

    # Past authentication: the action answers for itself (done, or refused by a business rule).
    assert response.status_code not in {401, 403}, response.json()


# --- the OpenAPI document ---------------------------------------------------------------------------

NEW_OPERATIONS = {
    ("get", "/api/staff/applications/{receipt_number}/confirmation"): "confirmation_overview_get",
    ("post", "/api/staff/applications/{receipt_number}/confirmation-requests"): "confirmation_request_send",
    (
        "post",
        "/api/staff/applications/{receipt_number}/confirmation-requests/{request_id}/reply",
    ): "confirmation_reply_record",
    ("post", "/api/staff/applications/{receipt_number}/calls"): "call_record",
    ("post", "/api/staff/applications/{receipt_number}/return"): "application_return",
    ("post", "/api/staff/applications/{receipt_number}/reject"): "application_reject",
    ("post", "/api/staff/applications/{receipt_number}/register"): "project_register",
    ("post", "/api/staff/applications/{receipt_number}/start-use"): "project_start_use",
    ("get", "/api/confirmations/{token}"): "supervisor_confirmation_get",
    ("post", "/api/confirmations/{token}"): "supervisor_confirmation_answer",
}
# Where an address or a number could be smuggled in, in any request body.
CONTACT_WORDS = ("email", "mail", "address", "to", "cc", "phone", "number", "tel")


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def _schema(document: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def test_the_document_lists_every_new_operation_with_a_japanese_summary(document):
    found = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }

    for key, operation_id in NEW_OPERATIONS.items():
        operation = found[key]
        assert operation["operationId"] == operation_id
        assert operation["summary"] and not operation["summary"].isascii()
        assert operation["description"] and not operation["description"].isascii()


@pytest.mark.parametrize(("method", "path"), list(NEW_OPERATIONS))
def test_every_new_operation_documents_its_bodies_errors_and_security(document, method, path):
    operation = document["paths"][path][method]
    for status, response in operation["responses"].items():
        schema = response["content"]["application/json"]["schema"]
        if status.startswith("4"):
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, status
        else:
            assert "$ref" in schema, status
    if path.startswith("/api/staff/"):
        assert operation["security"] == [{"DeskStaffToken": []}]
        assert {"401", "403", "404"} <= set(operation["responses"])
    else:
        assert "security" not in operation
        assert {"404", "409", "410"} <= set(operation["responses"])
    body = operation.get("requestBody")
    if method == "get":
        assert body is None
        return
    assert body["required"] is True
    (media_type,) = body["content"]
    schema = _schema(document, body["content"][media_type]["schema"])
    names = [name for name in schema["properties"] if name != "file"]
    assert all(word not in name.split("_") for name in names for word in CONTACT_WORDS), names
    if media_type == "application/json":
        assert schema["additionalProperties"] is False
    else:
        assert media_type == "multipart/form-data"
        assert schema["properties"]["file"]["format"] == "binary"


def test_the_register_answer_documents_account_ids_and_no_password(document):
    project = document["components"]["schemas"]["ProjectOut"]
    account = document["components"]["schemas"]["ProjectAccountOut"]

    assert "accounts" in project["properties"]
    assert "account_id" in account["properties"]
    assert not any("password" in name for schema in (project, account) for name in schema["properties"])
