"""Receipts (領収書) on the contractor's my page: a PDF for a paid invoice of one's own project,
stating what was received; anyone else — another contractor, a supervisor, the anonymous — gets
nothing (404 as if it did not exist, or the sign-in page) and learns nothing."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role, User
from calsreg.billing.models import InvoiceStatus
from calsreg.billing.services.payments import payment_create_manual
from tests.billing.dunning_helpers import posted_invoice
from tests.billing.invoice_helpers import ACTOR, jst
from tests.verification.helpers import signed_in_as

pytestmark = pytest.mark.django_db

IN_JANUARY = jst(2027, 1, 20, 11)


def _paid():
    project, invoice = posted_invoice()
    with time_machine.travel(IN_JANUARY, tick=False):
        payment_create_manual(
            received_on=date(2027, 1, 20),
            amount=invoice.total,
            payer_name=f"{invoice.customer_code} エチゴケンセツ",
            actor=ACTOR,
        )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    member = User.objects.filter(memberships__project=project).order_by("pk").first()
    return project, invoice, member


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)
    return "".join(out.stdout.split())


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_member_downloads_the_receipt_of_a_paid_invoice(client, tmp_path):
    _project, invoice, member = _paid()

    with time_machine.travel(jst(2027, 1, 21, 9), tick=False):
        client.force_login(member)
        page = client.get(reverse("portal:mypage")).content.decode()
        response = client.get(reverse("portal:receipt_pdf", args=[invoice.pk]))

    assert reverse("portal:receipt_pdf", args=[invoice.pk]) in page
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="receipt-{invoice.number}.pdf"' in response["Content-Disposition"]
    text = _pdf_text(response.content, tmp_path)
    assert "領収書" in text
    assert f"金額¥{invoice.total:,}-（税込）" in text
    assert f"請求書番号{invoice.number}" in text
    assert "入金日2027年1月20日" in text
    assert "登録番号：T7000012050002" in text
    assert invoice.billing_addressee in text


def test_an_unpaid_invoice_has_no_receipt(client):
    project, invoice = posted_invoice()
    member = User.objects.filter(memberships__project=project).order_by("pk").first()

    with time_machine.travel(jst(2026, 12, 10, 9), tick=False):
        client.force_login(member)
        page = client.get(reverse("portal:mypage")).content.decode()
        response = client.get(reverse("portal:receipt_pdf", args=[invoice.pk]))

    assert response.status_code == 404
    assert reverse("portal:receipt_pdf", args=[invoice.pk]) not in page


@pytest.mark.parametrize("role", [Role.CONTRACTOR, Role.SUPERVISOR])
def test_someone_elses_receipt_is_404_and_leaks_nothing(client, role):
    _project, invoice, _member = _paid()

    with time_machine.travel(jst(2027, 1, 21, 9), tick=False):
        signed_in_as(client, role)
        response = client.get(reverse("portal:receipt_pdf", args=[invoice.pk]))
        missing = client.get(reverse("portal:receipt_pdf", args=[invoice.pk + 1000]))

    assert (response.status_code, missing.status_code) == (404, 404)
    body = response.content.decode()
    assert invoice.number not in body and invoice.billing_addressee not in body
    assert missing.content.decode().count("404") == body.count("404")  # the same page as for none


def test_the_anonymous_are_sent_to_sign_in(client):
    _project, invoice, _member = _paid()

    response = client.get(reverse("portal:receipt_pdf", args=[invoice.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
