"""The OpenAPI document lists every operation with its schemas; the docs page loads nothing remote."""

from html.parser import HTMLParser

import pytest

from calsreg.applications.schema import FIELDS, USER_FIELDS
from tests.api.test_changes_desk import CHANGE_DESK_OPERATIONS
from tests.api.test_desk_actions_auth_openapi import NEW_OPERATIONS
from tests.events.test_feed import EVENT_OPERATIONS

pytestmark = pytest.mark.django_db

CHANGE_OPERATIONS = {
    ("post", "/api/changes"): "change_request_create",
    ("get", "/api/changes/{number}"): "change_request_status",
}

OPERATIONS = {
    ("get", "/api/offices"): "offices_list",
    ("post", "/api/applications"): "application_create",
    ("post", "/api/applications/workbook"): "application_create_from_workbook",
    ("post", "/api/applications/status"): "application_status",
    ("get", "/api/staff/applications"): "applications_list",
    ("get", "/api/staff/applications/{receipt_number}"): "application_get",
}
STAFF = {key for key in OPERATIONS if key[1].startswith("/api/staff/")}
# The billing agent's operations (issue 4); the desk actions' are listed in test_desk_actions_auth_openapi.
BILLING_OPERATIONS = {
    ("get", "/api/billing/invoices"): "billing_invoices_list",
    ("get", "/api/billing/invoices/{number}"): "billing_invoice_get",
    ("post", "/api/billing/invoices/{number}/posted"): "billing_invoice_posted",
    ("post", "/api/billing/payments"): "billing_payment_create",
    ("post", "/api/billing/payments/imports"): "billing_payment_import",
    ("get", "/api/billing/payments/unmatched"): "billing_payments_unmatched",
    ("post", "/api/billing/payments/{payment_id}/allocations"): "billing_payment_allocate",
    ("post", "/api/billing/payments/{payment_id}/ignore"): "billing_payment_ignore",
}


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def _resolve(document, schema):
    ref = schema.get("$ref")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def test_the_document_lists_exactly_the_operations_with_their_ids(document):
    found = {
        (method, path): op["operationId"]
        for path, item in document["paths"].items()
        for method, op in item.items()
    }

    assert found == {
        **OPERATIONS,
        **NEW_OPERATIONS,
        **BILLING_OPERATIONS,
        **CHANGE_OPERATIONS,
        **CHANGE_DESK_OPERATIONS,
        **EVENT_OPERATIONS,
    }
    assert document["info"]["title"] == "calsreg API"


@pytest.mark.parametrize(("method", "path"), list(OPERATIONS))
def test_every_operation_documents_its_success_and_error_responses_as_schemas(document, method, path):
    operation = document["paths"][path][method]
    for status, response in operation["responses"].items():
        schema = response["content"]["application/json"]["schema"]
        assert "$ref" in schema or schema.get("type") == "array", (status, schema)
    error_statuses = {status for status in operation["responses"] if status.startswith("4")}
    for status in error_statuses:
        assert operation["responses"][status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"
        }
    if (method, path) in STAFF:
        assert operation["security"] == [{"DeskStaffToken": []}]
        assert {"401", "403"} <= error_statuses
    else:
        assert "security" not in operation
    if method == "post":
        assert operation["requestBody"]["required"] is True


def test_the_application_body_is_generated_from_the_schema_and_refuses_extra_keys(document):
    body = _resolve(
        document,
        document["paths"]["/api/applications"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ],
    )

    assert body["additionalProperties"] is False
    assert list(body["properties"]) == [spec.key for spec in FIELDS] + [
        "users",
        "supervisor_ids",
        "terms_accepted",
    ]
    assert body["properties"]["applicant_phone"]["description"] == (
        "電話番号。変更申込の際、本人確認のためこの番号へお電話します。"
    )
    assert body["properties"]["project_name"]["examples"] == ["〇〇川護岸設置工事"]
    user = document["components"]["schemas"]["ApplicationUserIn"]
    assert user["additionalProperties"] is False
    assert list(user["properties"]) == [spec.key for spec in USER_FIELDS]
    assert not any("supervisor_email" in name or "supervisor_phone" in name for name in body["properties"])


def test_the_workbook_upload_is_a_multipart_file(document):
    content = document["paths"]["/api/applications/workbook"]["post"]["requestBody"]["content"]

    assert content["multipart/form-data"]["schema"]["properties"]["file"] == {
        "format": "binary",
        "title": "File",
        "type": "string",
    }


def test_the_security_scheme_is_a_bearer_token(document):
    assert document["components"]["securitySchemes"]["DeskStaffToken"]["scheme"] == "bearer"


class _AssetCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(values["src"])
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"])


def test_the_docs_page_loads_every_script_and_stylesheet_from_this_server(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    collector = _AssetCollector()
    collector.feed(response.content.decode())

    assert len(collector.urls) >= 3
    for url in collector.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        assert body, url
    assert b"cdn" not in response.content.lower()
    assert b'"validatorUrl": null' in response.content
    assert b'"url": "/api/openapi.json"' in response.content
