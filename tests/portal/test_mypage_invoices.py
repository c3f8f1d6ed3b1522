"""My page: a contractor sees the invoices of its own projects and downloads only their PDFs."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import User
from calsreg.billing.models import Invoice
from calsreg.billing.services import billing_run, invoice_draft_for_project
from tests.accounts.helpers import SUZUKI, TANAKA, started
from tests.billing.dunning_helpers import SITE_AGENT_EMAIL, posted_invoice
from tests.billing.invoice_helpers import ACTOR, drafted, jst, make_issuer, make_plan
from tests.factories import OfficeFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _someone_elses_issued_invoice() -> Invoice:
    office = OfficeFactory(organisation=OrganisationFactory(code="99", name="新潟市"))
    make_plan(organisation=office.organisation)
    other = drafted(office=office, started_at=jst(2026, 11, 2))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    other.refresh_from_db()
    assert other.number and other.documents.exists()
    return other


def test_the_contractor_sees_its_invoice_and_downloads_its_pdf(client):
    _project, invoice = posted_invoice()
    client.force_login(User.objects.get(email=SITE_AGENT_EMAIL))

    page = client.get(reverse("portal:mypage")).content.decode()
    pdf = client.get(reverse("portal:invoice_pdf", args=[invoice.pk]))

    assert invoice.number in page and f"{invoice.total:,}円" in page and "未払い" in page
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_another_projects_invoice_pdf_is_404_and_not_listed(client):
    _project, _invoice = posted_invoice()
    other = _someone_elses_issued_invoice()
    client.force_login(User.objects.get(email=SITE_AGENT_EMAIL))

    page = client.get(reverse("portal:mypage")).content.decode()
    response = client.get(reverse("portal:invoice_pdf", args=[other.pk]))

    assert other.number not in page
    assert response.status_code == 404


def test_a_draft_is_not_shown_and_its_pdf_is_404(client):
    with time_machine.travel(jst(2026, 11, 2), tick=False):
        project, _accounts = started(users=[{**TANAKA, "email": SITE_AGENT_EMAIL}, SUZUKI])
        User.objects.filter(memberships__project=project).update(must_change_password=False)
        make_issuer()
        make_plan(organisation=project.office.organisation)
        draft = invoice_draft_for_project(project=project, actor=ACTOR)
    client.force_login(User.objects.get(email=SITE_AGENT_EMAIL))

    page = client.get(reverse("portal:mypage")).content.decode()

    assert "請求書はまだありません。" in page
    assert client.get(reverse("portal:invoice_pdf", args=[draft.pk])).status_code == 404
