"""The one validator: every channel's messages come from here."""

import pytest

from calsreg.applications.validation import validate_application
from calsreg.core.errors import ValidationFailed
from tests.factories import SupervisorFactory, valid_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor():
    return SupervisorFactory()


def _errors(payload, *, directory=True):
    with pytest.raises(ValidationFailed) as caught:
        validate_application(payload, require_directory_supervisors=directory)
    return {(e.field, e.message) for e in caught.value.errors}


def test_valid_payload_is_normalised_and_typed(supervisor):
    data = validate_application(
        valid_payload(office=supervisor.office, supervisors=[supervisor], contract_amount="48,400,000"),
        require_directory_supervisors=True,
    )

    assert data.office == supervisor.office
    assert data.values["contract_amount"] == 48_400_000
    assert str(data.values["period_start"]) == "2026-12-01"
    assert [u["requested_id"] for u in data.users] == ["tanaka", "suzuki2"]
    assert data.supervisors == [supervisor]
    assert data.notices == []


def test_full_width_requested_id_is_normalised_and_reported(supervisor):
    payload = valid_payload(office=supervisor.office, supervisors=[supervisor])
    payload["users"][0]["requested_id"] = "ｔａｎａｋａ"

    data = validate_application(payload, require_directory_supervisors=True)

    assert data.users[0]["requested_id"] == "tanaka"
    assert data.notices == ["「利用者1の希望ID」の全角文字を半角に直しました: ｔａｎａｋａ → tanaka"]


def test_half_width_kana_and_full_width_phone_are_normalised(supervisor):
    payload = valid_payload(
        office=supervisor.office,
        supervisors=[supervisor],
        contractor_kana="ｴﾁｺﾞｹﾝｾﾂ",
        contractor_phone="０２５－２４４－１２３４",
    )

    data = validate_application(payload, require_directory_supervisors=True)

    assert data.values["contractor_kana"] == "エチゴケンセツ"
    assert data.values["contractor_phone"] == "025-244-1234"


def test_every_problem_is_reported_at_once(supervisor):
    payload = valid_payload(
        office=supervisor.office,
        supervisors=[supervisor],
        project_name="",
        applicant_email="not-an-address",
        period_start="2027-04-01",
        period_end="2027-03-01",
        terms_accepted=False,
    )

    assert _errors(payload) == {
        ("project_name", "「工事名」を入力してください。"),
        ("applicant_email", "「メールアドレス」の形式が正しくありません（例: taro@example.co.jp）。"),
        ("period_end", "「工期（終了日）」は工期（開始日）と同じ日か、それより後の日付にしてください。"),
        ("terms_accepted", "利用規約を読み、「同意する」を選んでください。"),
    }


def test_a_supervisor_of_another_office_is_refused(supervisor):
    stranger = SupervisorFactory()

    errors = _errors(valid_payload(office=supervisor.office, supervisors=[stranger]))

    assert errors == {
        (
            "supervisor_ids",
            "選ばれた監督員が、指定した発注事務所の名簿にありません。一覧から選び直してください。",
        )
    }


def test_an_inactive_supervisor_is_refused(supervisor):
    supervisor.active = False
    supervisor.save()

    errors = _errors(valid_payload(office=supervisor.office, supervisors=[supervisor]))

    assert (
        "supervisor_ids",
        "選ばれた監督員が、指定した発注事務所の名簿にありません。一覧から選び直してください。",
    ) in errors


def test_workbook_channel_needs_no_directory_supervisor_and_keeps_typed_names(supervisor):
    payload = valid_payload(
        office=supervisor.office,
        supervisors=[],
        supervisor_names=[{"name": "佐藤 健一", "title": "主任監督員"}, {"name": "", "title": ""}],
    )
    payload["office"] = supervisor.office.name

    data = validate_application(payload, require_directory_supervisors=False)

    assert data.supervisors == []
    assert data.stated_supervisors == [{"name": "佐藤 健一", "title": "chief_supervisor"}]


def test_duplicate_ids_name_the_first_row(supervisor):
    payload = valid_payload(office=supervisor.office, supervisors=[supervisor])
    payload["users"][1]["requested_id"] = "TANAKA"

    errors = _errors(payload)

    assert errors == {("users[2].requested_id", "「tanaka」は利用者1と同じIDです。別のIDにしてください。")}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ta", "「利用者1の希望ID」は3〜10文字にしてください（現在2文字）。"),
        ("tanakaichiro", "「利用者1の希望ID」は3〜10文字にしてください（現在12文字）。"),
        (
            "tanaka.k",
            "「利用者1の希望ID」は半角英数字だけで入力してください（記号・空白・日本語は使えません）。",
        ),
        (
            "たなか",
            "「利用者1の希望ID」は半角英数字だけで入力してください（記号・空白・日本語は使えません）。",
        ),
    ],
)
def test_requested_id_shape(supervisor, value, message):
    payload = valid_payload(office=supervisor.office, supervisors=[supervisor])
    payload["users"][0]["requested_id"] = value

    assert _errors(payload) == {("users[1].requested_id", message)}


def test_implausible_date_is_refused(supervisor):
    payload = valid_payload(office=supervisor.office, supervisors=[supervisor], contract_date="1999-12-31")

    errors = _errors(payload)

    assert len(errors) == 1
    ((field, message),) = errors
    assert field == "contract_date"
    assert message.startswith("「契約日」の日付が範囲外です（2000年〜")
