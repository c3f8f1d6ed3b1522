"""The applicant's correction of a returned application, through the single-use link in the mail."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from calsreg.applications.models import Application, Channel, CorrectionLink
from calsreg.applications.services import (
    application_return,
    application_submit,
    application_withdraw,
    submission_as_evidence,
)
from calsreg.applications.validation import validate_application
from calsreg.core.secrets import secret_hash
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, UserFactory, valid_payload
from tests.portal.helpers import form_post

pytestmark = pytest.mark.django_db

TOKEN = "correction-token-for-tests-0123456789abcdef"
URL = f"/apply/correct/{TOKEN}/"
EMAIL = "tanaka@echigo-kensetsu.example.co.jp"
REASON = "工事番号が契約書と異なります。"
LINK_REFUSED = "このリンクは使用済みか、有効期限が切れています。ヘルプデスクにお問い合わせください。"


@pytest.fixture
def supervisor():
    return SupervisorFactory()


@pytest.fixture
def returned(supervisor):
    """A web application returned by the desk, its correction link's token known to the test.

    The real token is made when the mail is sent; setting the hash directly stands for reading it
    from that mail (tests/applications/test_decisions.py covers the mail itself).
    """
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    application = application_submit(
        data=validate_application(raw, require_directory_supervisors=True),
        channel=Channel.WEB,
        actor=Actor.applicant(EMAIL),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
    )
    application_return(application=application, reason=REASON, actor=Actor.staff(UserFactory()))
    CorrectionLink.objects.filter(application=application).update(token_hash=secret_hash(TOKEN))
    application.refresh_from_db()
    return application


def _state(application):
    """Everything a correction could change: the application, its link, evidence, audit, mail."""
    application.refresh_from_db()
    return (
        application.status,
        application.project_number,
        application.submitted_at,
        list(CorrectionLink.objects.values_list("used_at", flat=True)),
        Evidence.objects.count(),
        AuditEvent.objects.count(),
        Delivery.objects.count(),
    )


def test_the_link_shows_the_form_filled_with_the_application_and_the_desks_reason(client, returned):
    html = client.get(URL).content.decode()

    assert "<h1>申込内容の訂正</h1>" in html
    assert f'<p class="reason-text">{REASON}</p>' in html
    assert f'<form method="post" action="{URL}" class="application-form" novalidate>' in html
    assert 'id="project_number" name="project_number" type="text" value="R8-新潟-土木-0123"' in html
    assert 'id="period_start" name="period_start" type="date" value="2026-12-01"' in html
    assert 'id="contract_amount" name="contract_amount" type="text" value="48400000"' in html
    assert f'<option value="{returned.office.code}" selected>' in html
    assert 'id="users-2-requested_id" name="users-2-requested_id" type="text" value="suzuki2"' in html
    assert '<option value="engineer" selected>' in html
    supervisor = returned.supervisors.get()
    assert f'value="{supervisor.pk}" id="supervisor-{supervisor.pk}" checked>' in html
    assert 'id="terms_accepted" name="terms_accepted" value="accepted" checked' in html


def test_a_correction_goes_back_to_the_queue_with_the_same_receipt_number(client, returned, supervisor):
    evidence_before = Evidence.objects.filter(subject_id=returned.pk).count()

    response = client.post(
        URL,
        form_post(for_office=supervisor.office, supervisors=[supervisor], project_number="R8-新潟-土木-0999"),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/apply/corrected/{returned.receipt_number}/"
    corrected = Application.objects.get()
    assert (corrected.pk, corrected.receipt_number) == (returned.pk, returned.receipt_number)
    assert (corrected.status, corrected.project_number, corrected.decision_reason) == (
        "submitted",
        "R8-新潟-土木-0999",
        "",
    )
    assert CorrectionLink.objects.get().used_at is not None
    (evidence,) = Evidence.objects.filter(subject_id=returned.pk).order_by("-id")[:1]
    assert Evidence.objects.filter(subject_id=returned.pk).count() == evidence_before + 1
    assert (evidence.kind, evidence.original_name) == ("application_web", "application-web.json")
    event = AuditEvent.objects.get(action="application.resubmitted")
    assert (event.actor_label, event.data) == (
        EMAIL,
        {"changed": {"project_number": ["R8-新潟-土木-0123", "R8-新潟-土木-0999"]}},
    )
    acknowledgment = Delivery.objects.get(
        idempotency_key__endswith=":resubmitted:" + str(CorrectionLink.objects.get().pk)
    )
    assert (acknowledgment.kind, acknowledgment.to_address) == ("application_received", EMAIL)
    assert acknowledgment.context["project_name"] == "信濃川護岸設置工事"

    html = client.get(response["Location"]).content.decode()
    assert "<h1>訂正を受け付けました</h1>" in html
    assert f'<p class="receipt-number" id="receipt-number">{returned.receipt_number}</p>' in html


def test_the_correction_receipt_is_only_for_the_session_that_sent_it(client, returned):
    response = client.get(f"/apply/corrected/{returned.receipt_number}/")

    assert response.status_code == 404


def test_a_used_link_is_refused_and_changes_nothing(client, returned, supervisor):
    body = form_post(
        for_office=supervisor.office, supervisors=[supervisor], project_number="R8-新潟-土木-0999"
    )
    client.post(URL, body)
    before = _state(returned)

    shown = client.get(URL)
    again = client.post(URL, dict(body, project_number="R8-新潟-土木-0777"))

    assert shown.status_code == again.status_code == 404
    html = again.content.decode()
    assert "<h1>このリンクは使えません</h1>" in html
    assert LINK_REFUSED in html
    assert '<a href="mailto:helpdesk@calsreg.example.jp">helpdesk@calsreg.example.jp</a>' in html
    assert _state(returned) == before


def test_an_expired_link_is_refused_and_changes_nothing(client, returned, supervisor, settings):
    before = _state(returned)
    later = timezone.now() + timedelta(days=settings.CORRECTION_LINK_DAYS, minutes=1)

    with time_machine.travel(later):
        shown = client.get(URL)
        posted = client.post(URL, form_post(for_office=supervisor.office, supervisors=[supervisor]))

    assert shown.status_code == posted.status_code == 404
    assert LINK_REFUSED in posted.content.decode()
    assert _state(returned) == before


def test_the_link_of_a_withdrawn_application_is_refused(client, returned, supervisor):
    application_withdraw(application=returned, actor=Actor.applicant(EMAIL))
    before = _state(returned)

    shown = client.get(URL)
    posted = client.post(URL, form_post(for_office=supervisor.office, supervisors=[supervisor]))

    assert shown.status_code == posted.status_code == 404
    assert LINK_REFUSED in shown.content.decode()
    assert _state(returned) == before
    assert returned.status == "withdrawn"


def test_an_unknown_link_is_refused(client, returned):
    response = client.get("/apply/correct/not-a-real-token/")

    assert response.status_code == 404
    assert LINK_REFUSED in response.content.decode()


def test_a_correction_with_errors_keeps_the_values_and_the_link(client, returned, supervisor):
    before = _state(returned)
    body = form_post(
        for_office=supervisor.office,
        supervisors=[supervisor],
        project_number="R8-新潟-土木-0999",
        applicant_email="not-an-address",
    )

    response = client.post(URL, body)

    html = response.content.decode()
    assert response.status_code == 422
    assert 'class="error-summary"' in html
    assert f'<p class="reason-text">{REASON}</p>' in html  # the desk's reason stays on top
    assert 'id="project_number" name="project_number" type="text" value="R8-新潟-土木-0999"' in html
    assert 'value="not-an-address"' in html
    assert _state(returned) == before

    fixed = client.post(URL, dict(body, applicant_email=EMAIL))

    assert fixed.status_code == 302
    assert Application.objects.get().status == "submitted"


def test_adding_a_user_row_reshows_the_correction_form_without_sending(client, returned, supervisor):
    before = _state(returned)
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], action="add_user")

    html = client.post(URL, body).content.decode()

    assert 'name="users-4-requested_id"' in html
    assert _state(returned) == before
