"""Status lookup: the receipt number and the applicant's e-mail together, by POST only."""

import pytest
from django.utils import timezone

from calsreg.applications.models import Application, Channel
from calsreg.applications.services import application_submit, submission_as_evidence
from calsreg.applications.validation import validate_application
from calsreg.core.era import format_japanese
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, valid_payload

pytestmark = pytest.mark.django_db

URL = "/status/"
EMAIL = "tanaka@echigo-kensetsu.example.co.jp"
NOT_FOUND = "入力された受付番号とメールアドレスの組み合わせに一致する申込が見つかりませんでした。入力内容をご確認ください。"


@pytest.fixture
def application():
    supervisor = SupervisorFactory()
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    data = validate_application(raw, require_directory_supervisors=True)
    return application_submit(
        data=data,
        channel=Channel.WEB,
        actor=Actor.applicant(EMAIL),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
    )


def test_the_lookup_page_asks_for_both_values(client):
    html = client.get(URL).content.decode()

    assert "申込状況の確認" in html
    assert '<form method="post" action="/status/"' in html
    assert 'id="receipt_number"' in html and 'id="email"' in html


def test_the_right_pair_shows_the_progress_and_the_received_date(client, application):
    response = client.post(URL, {"receipt_number": application.receipt_number, "email": EMAIL.upper()})

    html = response.content.decode()
    assert f"受付番号 {application.receipt_number} の状況" in html
    assert "信濃川護岸設置工事" in html
    assert format_japanese(timezone.localdate(application.submitted_at), weekday=True) in html
    assert '<li class="current" aria-current="step">受付' in html
    assert '<li class="todo">発注者への内容確認</li>' in html
    assert "ヘルプデスクで申込内容を確認しています。" in html


def test_full_width_input_of_the_receipt_number_still_matches(client, application):
    full_width = application.receipt_number.translate(
        str.maketrans("A0123456789-", "Ａ０１２３４５６７８９－")
    )

    html = client.post(URL, {"receipt_number": full_width, "email": EMAIL}).content.decode()

    assert f"受付番号 {application.receipt_number} の状況" in html


def test_a_later_state_marks_the_earlier_steps_done(client, application):
    Application.objects.filter(pk=application.pk).update(status="registered")

    html = client.post(URL, {"receipt_number": application.receipt_number, "email": EMAIL}).content.decode()

    assert (
        '<li class="done"><span aria-hidden="true">✓ </span>確認完了<span class="visually-hidden">（完了）</span></li>'
        in html
    )
    assert '<li class="current" aria-current="step">システム登録・ID通知' in html
    assert "「利用開始通知」のメールが届くまで、ご利用をお待ちください。" in html


def test_a_rejected_application_is_explained_neutrally_without_a_progress_bar(client, application):
    Application.objects.filter(pk=application.pk).update(status="rejected")

    html = client.post(URL, {"receipt_number": application.receipt_number, "email": EMAIL}).content.decode()

    assert "この申込はお受けできませんでした。詳しくはヘルプデスクへお問い合わせください。" in html
    assert '<ol class="progress"' not in html


@pytest.mark.parametrize(
    "wrong",
    [
        {"email": "someone@else.example.jp"},
        {"receipt_number": "A2026-99999"},
        {"receipt_number": "A2026-99999", "email": "someone@else.example.jp"},
    ],
    ids=["wrong_email", "wrong_number", "both_wrong"],
)
def test_a_wrong_pair_shows_one_generic_message(client, application, wrong):
    values = {"receipt_number": application.receipt_number, "email": EMAIL} | wrong

    html = client.post(URL, values).content.decode()

    assert NOT_FOUND in html
    assert "信濃川護岸設置工事" not in html and "の状況" not in html


def test_both_values_are_required(client, application):
    html = client.post(URL, {"receipt_number": " ", "email": ""}).content.decode()

    assert "「受付番号」を入力してください。" in html
    assert "「メールアドレス」を入力してください。" in html
    assert NOT_FOUND not in html


def test_query_parameters_never_look_anything_up(client, application):
    html = client.get(URL, {"receipt_number": application.receipt_number, "email": EMAIL}).content.decode()

    assert "信濃川護岸設置工事" not in html
