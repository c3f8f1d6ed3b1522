"""The correction form of a returned Excel application: the supervisors the desk matched (or, before
any match, the directory entry named in the workbook) are already chosen."""

import pytest

from calsreg.applications.models import Channel, CorrectionLink
from calsreg.applications.services import (
    application_match_supervisors,
    application_return,
    application_submit,
    submission_as_evidence,
)
from calsreg.applications.validation import validate_application
from calsreg.core.secrets import secret_hash
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, UserFactory, valid_payload
from tests.portal.helpers import form_post

pytestmark = pytest.mark.django_db

TOKEN = "correction-token-for-excel-tests-0123456789"
URL = f"/apply/correct/{TOKEN}/"
EMAIL = "tanaka@echigo-kensetsu.example.co.jp"


def _excel_application(*, stated_name: str, office_supervisor):
    raw = valid_payload(office=office_supervisor.office, supervisors=[])
    raw["supervisor_names"] = [{"name": stated_name, "title": "主任監督員"}]
    return application_submit(
        data=validate_application(raw, require_directory_supervisors=False),
        channel=Channel.WORKBOOK,
        actor=Actor.applicant(EMAIL),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WORKBOOK)],
    )


def _returned(application):
    application_return(
        application=application, reason="工期を訂正してください。", actor=Actor.staff(UserFactory())
    )
    CorrectionLink.objects.filter(application=application).update(token_hash=secret_hash(TOKEN))
    application.refresh_from_db()
    return application


def _checked(html: str, supervisor) -> bool:
    return f'value="{supervisor.pk}" id="supervisor-{supervisor.pk}" checked>' in html


def _shown(html: str, supervisor) -> bool:
    return f'value="{supervisor.pk}" id="supervisor-{supervisor.pk}">' in html


def test_the_supervisors_the_desk_matched_are_chosen_on_the_correction_form(client):
    matched = SupervisorFactory(name="佐藤 健一")
    other = SupervisorFactory(office=matched.office, name="本間 彩")
    application = _excel_application(stated_name="佐藤健一", office_supervisor=matched)
    application_match_supervisors(
        application=application, supervisor_ids=[matched.pk], actor=Actor.staff(UserFactory())
    )
    _returned(application)

    html = client.get(URL).content.decode()

    assert _checked(html, matched)
    assert _shown(html, other)


def test_before_any_match_the_directory_entry_named_in_the_workbook_is_chosen(client):
    named = SupervisorFactory(name="佐藤 健一")
    other = SupervisorFactory(office=named.office, name="本間 彩")
    elsewhere = SupervisorFactory(name="佐藤 健一")  # same name, another office: never chosen
    _returned(_excel_application(stated_name="佐藤　健一", office_supervisor=named))

    html = client.get(URL).content.decode()

    assert _checked(html, named)
    assert _shown(html, other)
    assert f'id="supervisor-{elsewhere.pk}"' not in html


def test_a_workbook_name_that_is_not_in_the_directory_chooses_nobody(client):
    supervisor = SupervisorFactory(name="佐藤 健一")
    _returned(_excel_application(stated_name="佐藤 太郎", office_supervisor=supervisor))

    html = client.get(URL).content.decode()

    assert _shown(html, supervisor)
    assert "checked>" not in html.split('id="supervisor_ids"')[1].split("</fieldset>")[0]


def test_the_corrected_excel_application_is_resubmitted_with_the_preselected_supervisor(client):
    named = SupervisorFactory(name="佐藤 健一")
    application = _returned(_excel_application(stated_name="佐藤 健一", office_supervisor=named))

    response = client.post(URL, form_post(for_office=named.office, supervisors=[named]))

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted"
    assert list(application.supervisors.all()) == [named]


def test_the_correction_is_confirmed_on_a_page_before_it_is_sent_and_its_copy_downloads(client):
    named = SupervisorFactory(name="佐藤 健一")
    application = _returned(_excel_application(stated_name="佐藤 健一", office_supervisor=named))
    body = form_post(for_office=named.office, supervisors=[named], project_name="信濃川護岸設置工事（その2）")

    confirmation = client.post(URL, dict(body, action="review"))

    page = confirmation.content.decode()
    assert "<h1>申込内容の確認</h1>" in page
    assert f'<form method="post" action="{URL}" class="submit-bar">' in page
    assert "<dd>信濃川護岸設置工事（その2）</dd>" in page
    assert list(CorrectionLink.objects.values_list("used_at", flat=True)) == [None]
    application.refresh_from_db()
    assert application.status == "returned"

    sent = client.post(URL, dict(body, action="submit"))
    pdf = client.get(f"/apply/receipt/{application.receipt_number}/application.pdf")

    assert sent.status_code == 302
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
