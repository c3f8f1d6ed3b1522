"""Attacks on the desk's inputs with characters no field may hold: the directory CSV, the billing
agent's forms, the Django admin's fee plans. Each is refused naming the field, and nothing is saved;
every form of the desk and my page runs the one text cleaner."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import calsreg
from calsreg.accounts.models import Role
from calsreg.billing.models import FeePlan, Payment
from calsreg.core.forms import TextCheckedForm
from calsreg.directory.models import OrdererOrganisation
from tests.directory.factories import csv_bytes, record_counts, row, two_offices
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_directory_csv_with_bad_characters_is_refused_by_row_and_field_and_nothing_is_saved(desk_client):
    rows = [
        *two_offices(),
        row(code="150309", name="山田\u202e直樹"),
        row(code="1503\x0010"),
        row(code="150311", phone="0254-ab-cdef"),
    ]
    before = record_counts()

    response = desk_client.post(
        reverse("desk:directory_import"), {"file": SimpleUploadedFile("directory.csv", csv_bytes(rows))}
    )

    content = response.content.decode()
    assert response.status_code == 422
    assert re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td><td>', content) == [
        ("5", "氏名"),
        ("6", "職員コード"),
        ("7", "電話番号"),
    ]
    assert "「氏名」の3文字目に、文字の表示順を変える制御文字（U+202E）があります。" in content
    assert "「職員コード」の5文字目に、使えない制御文字（U+0000）があります。" in content
    assert "「電話番号」に文字が含まれています。" in content
    assert "この内容で取り込む" not in content
    assert record_counts() == before


@time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
def test_a_manual_payment_with_a_bidi_override_in_the_payer_name_is_refused(client):
    client.force_login(UserFactory(role=Role.BILLING_AGENT))

    response = client.post(
        reverse("desk:billing_payment_manual"),
        {"received_on": "2026-11-30", "amount": "22000", "payer_name": "ﾀﾞﾚｶ\u202eｱｲｳ", "payer_code": ""},
        follow=True,
    )

    assert "「振込依頼人名」の5文字目に、文字の表示順を変える制御文字（U+202E）があります。" in (
        response.content.decode()
    )
    assert Payment.objects.count() == 0


def test_a_fee_plan_named_with_a_bidi_override_in_the_admin_is_refused_and_not_saved(client):
    organisation = OrdererOrganisation.objects.create(code="15", name="新潟県")
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True))

    response = client.post(
        "/admin/billing/feeplan/add/",
        {
            "organisation": organisation.pk,
            "name": "標準\u202eプラン",
            "kind": "flat_monthly",
            "active_from": date(2026, 4, 1).isoformat(),
            "monthly_fee": "5000",
            "initial_fee": "0",
            "tiers": "[]",
            "invoice_cutoff_day": "15",
        },
    )

    assert response.status_code == 200  # the admin shows the form again with the error
    assert (
        "「料金プラン名」の3文字目に、文字の表示順を変える制御文字（U+202E）があります。"
        in response.content.decode()
    )
    assert FeePlan.objects.count() == 0


def _form_classes() -> list[type[forms.Form]]:
    found = []
    for package in ("calsreg.desk", "calsreg.portal"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            for _name, value in inspect.getmembers(importlib.import_module(info.name), inspect.isclass):
                if issubclass(value, forms.BaseForm) and value.__module__.startswith(calsreg.__name__):
                    found.append(value)
    return found


def test_every_form_of_the_desk_and_my_page_runs_the_text_cleaner():
    classes = _form_classes()

    assert len(classes) > 20
    assert [cls.__qualname__ for cls in classes if not issubclass(cls, TextCheckedForm)] == []
