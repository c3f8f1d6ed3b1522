"""The portal's change request without sign-in: a receipt or project number, the requester and the
items. Nothing of the registration is shown or told to the anonymous filer."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from calsreg.accounts.models import Project
from calsreg.changes.models import ChangeChannel, ChangeRequest
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import started

pytestmark = pytest.mark.django_db

URL = "/changes/"
NOT_FOUND = "入力された番号では、変更を受け付けられる工事が見つかりません。"


@pytest.fixture(autouse=True)
def _during_the_works(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)


def body(reference: str, *rows: dict[str, str], **extra: str) -> dict[str, str]:
    data = {
        "reference": reference,
        "requester_name": "田中 一郎",
        "requester_phone": "090-1234-5678",
        "requester_email": "tanaka@echigo-kensetsu.example.co.jp",
        "item_rows": str(max(3, len(rows))),
        **extra,
    }
    for number, row in enumerate(rows, start=1):
        data.update({f"row-{number}-{key}": value for key, value in row.items()})
    return data


def assert_nothing_of_the_registration(html: str, project: Project) -> None:
    application = project.application
    for value in (project.name, application.applicant_phone, application.contractor_name, "2027年3月19日"):
        assert value not in html


def test_the_page_asks_for_a_number_and_shows_no_registration(client, django_assert_max_num_queries):
    project, _accounts = started()

    with django_assert_max_num_queries(2):  # the offices and their supervisors for the picker
        html = client.get(URL).content.decode()

    assert '<label for="reference">受付番号または工事番号' in html
    assert '<select id="row-1-field" name="row-1-field">' in html and "<optgroup label=" in html
    assert_nothing_of_the_registration(html, project)


def test_a_change_is_filed_with_the_receipt_number_and_the_receipt_shows_only_what_was_typed(client):
    project, accounts = started()
    suzuki = next(u for u in accounts if u.username.startswith("suzuki2."))
    reference = project.application.receipt_number

    response = client.post(
        URL,
        body(
            reference.lower(),
            {"field": "period_end", "value": "2027-05-31"},
            {"field": "user.phone", "target": suzuki.username, "value": "080-9999-0000"},
        ),
    )

    change = ChangeRequest.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/changes/receipt/{change.number}/")
    assert (change.project, change.channel, change.filed_by) == (project, ChangeChannel.PORTAL, None)
    assert AuditEvent.objects.get(action="change_request.submitted").actor_label == (
        "tanaka@echigo-kensetsu.example.co.jp"
    )
    receipt = client.get(response["Location"]).content.decode()
    assert change.number in receipt and reference.lower() in receipt
    assert_nothing_of_the_registration(receipt, project)
    assert Project.objects.get(pk=project.pk).period_end == dt.date(2027, 3, 19)


def test_the_project_number_works_too_and_an_anonymous_email_is_recorded_as_such(client):
    project, _accounts = started()

    client.post(
        URL, body(project.project_number, {"field": "end_of_use", "value": "2027-01-31"}, requester_email="")
    )

    assert ChangeRequest.objects.get().project == project
    assert AuditEvent.objects.get(action="change_request.submitted").actor_label == "anonymous"


@pytest.mark.parametrize("reference", ["A2099-99999", "R8-存在しない-0000"])
def test_a_wrong_number_gets_one_generic_answer_and_nothing_is_stored(client, reference):
    started()

    response = client.post(URL, body(reference, {"field": "period_end", "value": "2027-05-31"}))

    assert response.status_code == 422
    assert NOT_FOUND in response.content.decode()
    assert ChangeRequest.objects.count() == 0


def test_a_closed_project_gets_the_same_answer_as_no_project(client):
    project, _accounts = started()
    Project.objects.filter(pk=project.pk).update(status="closed")

    response = client.post(URL, body(project.project_number, {"field": "period_end", "value": "2027-05-31"}))

    assert NOT_FOUND in response.content.decode() and ChangeRequest.objects.count() == 0


def test_findings_that_depend_on_the_registration_are_not_told(client):
    project, _accounts = started()
    application = project.application

    right = client.post(
        URL,
        body(
            project.project_number,
            {"field": "applicant_phone", "value": application.applicant_phone},  # a guess that is right
            {"field": "user.email", "target": "guess.abc", "value": "x@example.jp"},  # no such user
            {"field": "end_of_use", "value": "2027-06-30"},  # after the period, which would be named
        ),
    )
    wrong = client.post(
        URL,
        body(
            project.project_number,
            {"field": "applicant_phone", "value": "090-3333-1111"},
            {"field": "user.email", "target": "guess.abd", "value": "x@example.jp"},
            {"field": "end_of_use", "value": "2027-01-29"},
        ),
    )

    # A right guess and a wrong one look the same: both are filed, for the desk's diff and the
    # call-back to the number on file to decide; applying refuses what does not fit.
    assert right.status_code == wrong.status_code == 302
    assert ChangeRequest.objects.count() == 2
    assert_nothing_of_the_registration(client.get(right["Location"]).content.decode(), project)


def test_how_a_value_is_written_is_told_precisely_and_values_are_kept(client):
    project, _accounts = started()

    response = client.post(
        URL,
        body(
            project.project_number,
            {"field": "period_end", "value": "来年"},
            {"target": "tanaka.abc", "value": "something"},  # no item chosen
            {"field": "user.add", "person-name": "佐藤 三郎", "person-requested_id": "x"},
            requester_name="",
        ),
    )

    html = response.content.decode()
    assert "「変更1（工期（終了日））」は日付で入力してください（例: 2026-12-01）。" in html
    assert '<div id="row-2-field-error">' in html and "変更する項目を一覧から選んでください。" in html
    assert 'id="row-3-person-requested_id-error"' in html and 'value="佐藤 三郎"' in html
    assert '<div id="requester_name-error">' in html and 'value="来年"' in html
    assert ChangeRequest.objects.count() == 0


def test_no_number_is_asked_for(client):
    response = client.post(URL, body("", {"field": "period_end", "value": "2027-05-31"}))

    assert '<div id="reference-error">' in response.content.decode()


def test_adding_a_row_keeps_the_rows(client):
    response = client.post(
        URL, body("A2026-00001", {"field": "project_name", "value": "新工事名"}, action="add_row")
    )

    html = response.content.decode()
    assert 'id="row-4-field"' in html and 'value="新工事名"' in html
    assert ChangeRequest.objects.count() == 0


def test_the_portal_top_and_how_to_page_link_to_the_change_request(client):
    for url in ("/", "/how-to-apply/"):
        assert 'href="/changes/"' in client.get(url).content.decode()
