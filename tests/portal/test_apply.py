"""The web application form: one Application with exactly what was typed, or every error and nothing stored."""

import json

import pytest
from django.test import Client

from calsreg.applications.models import Application, ApplicationUser
from calsreg.applications.schema import MAX_USERS
from calsreg.core import clock
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from tests.factories import OfficeFactory, SupervisorFactory
from tests.portal.helpers import form_post

pytestmark = pytest.mark.django_db

URL = "/apply/"


@pytest.fixture
def supervisor():
    return SupervisorFactory(name="信濃 監督", title="chief_supervisor")


def _counts():
    return {
        "applications": Application.objects.count(),
        "users": ApplicationUser.objects.count(),
        "evidence": Evidence.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "deliveries": Delivery.objects.count(),
    }


def _users(**changes):
    """The two valid users, with ``changes`` as ``{"u1_requested_id": "x"}`` applied."""
    rows = [
        {
            "position": 1,
            "role": "site_agent",
            "name": "田中 一郎",
            "kana": "タナカ イチロウ",
            "email": "tanaka@echigo-kensetsu.example.co.jp",
            "phone": "090-1234-5678",
            "requested_id": "tanaka",
        },
        {
            "position": 2,
            "role": "engineer",
            "name": "鈴木 次郎",
            "kana": "スズキ ジロウ",
            "email": "suzuki@echigo-kensetsu.example.co.jp",
            "phone": "080-2345-6789",
            "requested_id": "suzuki2",
        },
    ]
    for key, value in changes.items():
        position, field = key.split("_", 1)
        rows[int(position[1:]) - 1][field] = value
    return rows


def test_the_form_shows_every_schema_field_with_its_label_and_the_office_list(client, supervisor):
    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Webフォームで申し込む" in html
    for key in ("office", "project_number", "contract_amount", "applicant_email", "billing_phone"):
        assert f'<label for="{key}">' in html
        assert f'id="{key}" name="{key}"' in html
    assert f'<option value="{supervisor.office.code}">{supervisor.office.name}</option>' in html
    assert 'id="users-3-requested_id"' in html and 'id="users-4-requested_id"' not in html
    assert 'inputmode="numeric"' in html and 'autocomplete="email"' in html
    assert "「工事情報」の発注事務所を選ぶと" in html
    assert 'href="/terms/"' in html


def test_a_valid_application_creates_exactly_one_application_with_what_was_typed(client, supervisor):
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], users=_users())

    response = client.post(URL, body)

    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/apply/receipt/{application.receipt_number}/"
    assert (application.channel, application.status) == ("web", "submitted")
    assert (application.office, application.project_number, application.project_name) == (
        supervisor.office,
        "R8-新潟-土木-0123",
        "信濃川護岸設置工事",
    )
    assert (application.contract_amount, str(application.period_start), str(application.period_end)) == (
        48_400_000,
        "2026-12-01",
        "2027-03-19",
    )
    assert (application.applicant_email, application.applicant_phone, application.billing_department) == (
        "tanaka@echigo-kensetsu.example.co.jp",
        "090-1234-5678",
        "工事部",
    )
    assert list(application.supervisors.all()) == [supervisor]
    assert (
        list(application.users.values("position", "role", "name", "kana", "email", "phone", "requested_id"))
        == _users()
    )
    (evidence,) = Evidence.objects.all()
    assert (evidence.kind, evidence.subject_id) == ("application_web", application.pk)
    with evidence.file.open("rb") as handle:
        stored = json.loads(handle.read())
    assert stored["project_name"] == "信濃川護岸設置工事"
    assert stored["supervisor_ids"] == [str(supervisor.pk)]
    assert stored["terms_accepted"] is True
    assert [row["requested_id"] for row in stored["users"]] == ["tanaka", "suzuki2"]
    assert list(AuditEvent.objects.values_list("action", "actor_label")) == [
        ("application.submitted", "tanaka@echigo-kensetsu.example.co.jp")
    ]
    (delivery,) = Delivery.objects.all()
    assert (delivery.kind, delivery.to_address, delivery.language) == (
        "application_received",
        "tanaka@echigo-kensetsu.example.co.jp",
        "ja",
    )


def test_the_receipt_page_shows_the_number_and_what_happens_next(client, supervisor):
    response = client.post(
        URL, form_post(for_office=supervisor.office, supervisors=[supervisor]), follow=True
    )

    application = Application.objects.get()
    html = response.content.decode()
    assert "申込を受け付けました" in html
    assert f'<p class="receipt-number" id="receipt-number">{application.receipt_number}</p>' in html
    assert "受付確認のメールを<strong>tanaka@echigo-kensetsu.example.co.jp</strong>へお送りしました。" in html
    assert "ヘルプデスクが、選ばれた発注者の監督員に、メールと電話で申込内容を確認します。" in html


def test_the_receipt_page_is_not_shown_to_another_session(client, supervisor):
    client.post(URL, form_post(for_office=supervisor.office, supervisors=[supervisor]))
    number = Application.objects.get().receipt_number

    assert Client().get(f"/apply/receipt/{number}/").status_code == 404
    assert client.get("/apply/receipt/A2026-99999/").status_code == 404
    assert client.get(f"/apply/receipt/{number}/").status_code == 200


def test_a_full_width_id_is_stored_half_width_and_the_correction_is_shown(client, supervisor):
    body = form_post(
        for_office=supervisor.office, supervisors=[supervisor], users=_users(u1_requested_id="ｔａｎａｋａ")
    )

    response = client.post(URL, body, follow=True)

    assert list(ApplicationUser.objects.values_list("requested_id", flat=True)) == ["tanaka", "suzuki2"]
    notice = "「利用者1の希望ID」の全角文字を半角に直しました: ｔａｎａｋａ → tanaka"
    assert Application.objects.get().notices == [notice]
    html = response.content.decode()
    assert "入力内容を次のとおり自動で補正しました。" in html
    assert notice in html


def test_a_second_application_for_the_same_project_is_flagged_as_a_duplicate(client, supervisor):
    body = form_post(for_office=supervisor.office, supervisors=[supervisor])

    client.post(URL, body)
    client.post(URL, body)

    first, second = Application.objects.order_by("id")
    assert (first.duplicate_of, second.duplicate_of) == (None, first)


def _other_office_supervisor():
    return SupervisorFactory(office=OfficeFactory())


def _out_of_range_message():
    return f"「契約日」の日付が範囲外です（2000年〜{clock.today().year + 10}年の日付を入力してください）。"


BAD_INPUTS = [
    ("missing_project_name", {"project_name": ""}, None, "「工事名」を入力してください。"),
    ("missing_office", {"office": ""}, None, "「発注事務所」を選んでください。"),
    ("unknown_office", {"office": "9999"}, None, "「発注事務所」は一覧から選んでください。"),
    (
        "missing_representative",
        {"contractor_representative": "　"},
        None,
        "「代表者氏名」を入力してください。",
    ),
    (
        "bad_kana",
        {"contractor_kana": "Echigo"},
        None,
        "「会社名（フリガナ）」は全角カタカナで入力してください。",
    ),
    (
        "bad_email",
        {"applicant_email": "tanaka@"},
        None,
        "「メールアドレス」の形式が正しくありません（例: taro@example.co.jp）。",
    ),
    (
        "bad_phone",
        {"contractor_phone": "12345"},
        None,
        "「電話番号」は市外局番からの日本の電話番号で入力してください（例: 025-285-5511）。",
    ),
    (
        "bad_postcode",
        {"billing_postcode": "95-0088"},
        None,
        "「郵便番号」は7桁の数字で入力してください（例: 950-8570）。",
    ),
    (
        "bad_date",
        {"period_start": "2026-13-45"},
        None,
        "「工期（開始日）」は日付で入力してください（例: 2026-12-01）。",
    ),
    ("date_out_of_range", {"contract_date": "1999-04-01"}, None, _out_of_range_message),
    (
        "end_before_start",
        {"period_end": "2026-11-30"},
        None,
        "「工期（終了日）」は工期（開始日）と同じ日か、それより後の日付にしてください。",
    ),
    (
        "contract_after_end",
        {"contract_date": "2027-04-01"},
        None,
        "「契約日」は工期（終了日）より前の日付にしてください。",
    ),
    (
        "amount_not_a_number",
        {"contract_amount": "四千八百万"},
        None,
        "「請負金額（円・税込）」は円単位の半角数字で入力してください（例: 48400000）。",
    ),
    ("amount_zero", {"contract_amount": "0"}, None, "「請負金額（円・税込）」は1円以上で入力してください。"),
    (
        "amount_too_large",
        {"contract_amount": "99999999999999"},
        None,
        "「請負金額（円・税込）」の桁数が多すぎます。円単位で入力してください。",
    ),
    (
        "project_name_too_long",
        {"project_name": "工" * 201},
        None,
        "「工事名」は200文字以内で入力してください（現在201文字）。",
    ),
    (
        "id_with_symbol",
        {},
        {"u1_requested_id": "tana-ka"},
        "「利用者1の希望ID」は半角英数字だけで入力してください（記号・空白・日本語は使えません）。",
    ),
    (
        "id_too_short",
        {},
        {"u1_requested_id": "ab"},
        "「利用者1の希望ID」は3〜10文字にしてください（現在2文字）。",
    ),
    (
        "id_too_long",
        {},
        {"u2_requested_id": "suzukijirou"},
        "「利用者2の希望ID」は3〜10文字にしてください（現在11文字）。",
    ),
    (
        "duplicate_ids",
        {},
        {"u2_requested_id": "tanaka"},
        "「tanaka」は利用者1と同じIDです。別のIDにしてください。",
    ),
    ("user_missing_name", {}, {"u2_name": ""}, "「利用者2の氏名」を入力してください。"),
    (
        "user_bad_email",
        {},
        {"u2_email": "suzuki.example.jp"},
        "「利用者2のメールアドレス」の形式が正しくありません（例: taro@example.co.jp）。",
    ),
    ("no_site_agent", {}, {"u1_role": "engineer"}, "利用者のうち1人の役割を「現場代理人」にしてください。"),
    ("bad_role", {}, {"u1_role": "boss"}, "「利用者1の役割」は一覧から選んでください。"),
    ("no_users", {}, "none", "利用者を1人以上入力してください。"),
    ("no_supervisor", {"supervisor_ids": None}, None, "この工事の監督員を名簿から1人以上選んでください。"),
    ("supervisor_id_not_a_number", {"supervisor_ids": ["abc"]}, None, "監督員は名簿から選んでください。"),
    (
        "supervisor_of_another_office",
        {"supervisor_ids": "other_office"},
        None,
        "選ばれた監督員が、指定した発注事務所の名簿にありません。一覧から選び直してください。",
    ),
    ("terms_not_accepted", {"terms_accepted": None}, None, "利用規約を読み、「同意する」を選んでください。"),
]


@pytest.mark.parametrize(
    ("fields", "user_changes", "message"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_a_bad_input_is_shown_with_its_message_and_nothing_is_stored(
    client, supervisor, fields, user_changes, message
):
    fields = dict(fields)
    if fields.get("supervisor_ids") == "other_office":
        # A crafted POST naming a real supervisor of a different office.
        fields["supervisor_ids"] = [str(_other_office_supervisor().pk)]
    users = [] if user_changes == "none" else _users(**(user_changes or {}))
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], users=users, **fields)
    before = _counts()

    response = client.post(URL, body)

    html = response.content.decode()
    expected = message() if callable(message) else message
    assert response.status_code == 422  # refused, like the API and the desk; the page shows why
    assert expected in html
    assert 'class="error-summary"' in html
    assert _counts() == before


def test_an_error_is_linked_from_the_summary_and_marked_on_its_field(client, supervisor):
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], users=_users(u2_kana="suzuki"))

    html = client.post(URL, body).content.decode()

    assert "入力内容に誤りがあります（1件）" in html
    assert (
        '<a href="#users-2-kana">「利用者2の氏名（フリガナ）」は全角カタカナで入力してください。</a>' in html
    )
    assert (
        'id="users-2-kana" name="users-2-kana" type="text" value="suzuki" autocomplete="off" aria-invalid="true" aria-describedby="users-2-kana-error"'
        in html
    )


def test_every_value_is_kept_when_the_form_is_shown_again(client, supervisor):
    body = form_post(
        for_office=supervisor.office,
        supervisors=[supervisor],
        users=_users(u2_email="bad"),
        terms_accepted=None,
    )

    html = client.post(URL, body).content.decode()

    assert 'value="信濃川護岸設置工事"' in html
    assert 'value="48400000"' in html
    assert f'<option value="{supervisor.office.code}" selected>' in html
    assert f'value="{supervisor.pk}" id="supervisor-{supervisor.pk}" checked' in html
    assert 'id="users-2-email" name="users-2-email" type="email" value="bad"' in html
    assert '<option value="site_agent" selected>' in html
    assert 'id="terms_accepted" name="terms_accepted" value="accepted" aria-required' in html  # unchecked


def test_without_javascript_a_button_adds_a_user_row_and_nothing_is_submitted(client, supervisor):
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], action="add_user", user_rows="3")

    html = client.post(URL, body).content.decode()

    assert 'id="users-4-role"' in html and 'id="users-5-role"' not in html
    assert 'name="user_rows" id="user-rows-count" value="4"' in html
    assert 'class="error-summary"' not in html
    assert Application.objects.count() == 0


def test_without_javascript_choosing_an_office_shows_its_supervisors(client, supervisor):
    other = SupervisorFactory(office=supervisor.office, name="越後 補佐", title="supervisor")

    html = client.post(URL, {"office": supervisor.office.code, "action": "refresh"}).content.decode()

    assert f'value="{supervisor.pk}" id="supervisor-{supervisor.pk}"' in html
    assert '<span>越後 補佐</span> <span class="muted">監督員</span>' in html
    assert other.email not in html and supervisor.email not in html
    assert 'class="error-summary"' not in html
    assert Application.objects.count() == 0


def test_the_supervisor_partial_lists_names_and_titles_only(client, supervisor):
    SupervisorFactory(office=supervisor.office, name="休職 中", active=False)
    SupervisorFactory(name="他所 の人")

    response = client.get("/apply/supervisors/", {"office": supervisor.office.code}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<span>信濃 監督</span> <span class="muted">主任監督員</span>' in html
    assert "休職 中" not in html and "他所 の人" not in html
    assert supervisor.email not in html and supervisor.phone not in html
    assert "<html" not in html


def test_the_supervisor_partial_without_an_office_asks_to_choose_one(client):
    html = client.get("/apply/supervisors/", {"office": ""}).content.decode()

    assert "「工事情報」の発注事務所を選ぶと、その事務所の監督員が表示されます。" in html


def test_the_user_row_partial_adds_the_next_row_and_updates_the_counter(client):
    html = client.get("/apply/user-row/", {"user_rows": "3"}).content.decode()

    assert 'id="users-4-role"' in html and "autofocus" in html
    assert 'id="user-rows-count" value="4" hx-swap-oob="true"' in html


def test_the_user_row_partial_stops_at_the_maximum(client):
    last = client.get("/apply/user-row/", {"user_rows": str(MAX_USERS - 1)}).content.decode()
    assert f'id="users-{MAX_USERS}-role"' in last
    assert f"利用者は{MAX_USERS}人まで入力できます。" in last
    assert client.get("/apply/user-row/", {"user_rows": str(MAX_USERS)}).status_code == 204


def test_the_form_page_takes_the_same_number_of_queries_however_many_offices(
    client, django_assert_max_num_queries
):
    for _ in range(15):
        SupervisorFactory()

    with django_assert_max_num_queries(1):
        assert client.get(URL).status_code == 200


def test_the_form_shown_again_with_an_office_takes_a_constant_number_of_queries(
    client, supervisor, django_assert_max_num_queries
):
    for _ in range(10):
        SupervisorFactory(office=supervisor.office)
        SupervisorFactory()
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], contract_amount="0")

    # offices, office by code, validation (office, supervisors), the office's supervisors; sessions none
    with django_assert_max_num_queries(5):
        assert "1円以上" in client.post(URL, body).content.decode()
