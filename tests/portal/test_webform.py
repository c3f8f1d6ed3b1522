"""webform: request.POST → raw payload (pure), and what the form shows for values and errors."""

from django.http import QueryDict

from calsreg.applications.schema import FIELDS, FIELDS_BY_KEY, MAX_USERS, SECTION_LABELS
from calsreg.core.errors import FieldError
from calsreg.portal.webform import form_view, html_id_for_path, raw_from_post, user_row_count, widget_for


def _post(pairs):
    query = QueryDict(mutable=True)
    for key, value in pairs:
        query.appendlist(key, value)
    return query


def test_raw_payload_has_exactly_the_validators_keys_with_values_as_typed():
    post = _post(
        [
            ("csrfmiddlewaretoken", "x"),
            ("action", "submit"),
            ("project_name", "　信濃川護岸設置工事　"),
            ("users-2-role", "site_agent"),
            ("users-2-requested_id", "ｔａｎａｋａ"),
            ("supervisor_ids", "7"),
            ("supervisor_ids", "9"),
            ("terms_accepted", "accepted"),
        ]
    )

    raw = raw_from_post(post)

    assert set(raw) == {spec.key for spec in FIELDS} | {"users", "supervisor_ids", "terms_accepted"}
    assert raw["project_name"] == "　信濃川護岸設置工事　"
    assert raw["office"] == ""
    assert raw["users"] == [
        {
            "position": 2,
            "role": "site_agent",
            "name": "",
            "kana": "",
            "email": "",
            "phone": "",
            "requested_id": "ｔａｎａｋａ",
        }
    ]
    assert raw["supervisor_ids"] == ["7", "9"]
    assert raw["terms_accepted"] is True


def test_blank_user_rows_are_dropped_and_rows_keep_the_number_they_were_typed_on():
    post = _post(
        [
            ("users-1-name", "　"),
            ("users-1-role", ""),
            ("users-3-name", "鈴木 次郎"),
            ("users-12-kana", "スズキ"),
            ("users-x-name", "ignored"),
            ("users-4-password", "ignored"),
        ]
    )

    raw = raw_from_post(post)

    assert [(row["position"], row["name"], row["kana"]) for row in raw["users"]] == [
        (3, "鈴木 次郎", ""),
        (12, "", "スズキ"),
    ]


def test_terms_are_accepted_only_by_the_checkbox_value():
    assert raw_from_post(_post([]))["terms_accepted"] is False
    assert raw_from_post(_post([("terms_accepted", "no")]))["terms_accepted"] is False


def test_user_row_count_keeps_what_was_shown_grows_by_one_and_stops_at_the_maximum():
    raw = {"users": [{"position": 5}]}
    assert user_row_count(_post([]), {"users": []}) == 3
    assert user_row_count(_post([("user_rows", "4")]), {"users": []}) == 4
    assert user_row_count(_post([("user_rows", "3")]), raw) == 5
    assert user_row_count(_post([("user_rows", "4")]), {"users": []}, add=1) == 5
    assert user_row_count(_post([("user_rows", str(MAX_USERS))]), {"users": []}, add=1) == MAX_USERS
    assert user_row_count(_post([("user_rows", "lots")]), {"users": []}) == 3


def test_error_paths_point_at_the_inputs_they_are_about():
    assert html_id_for_path("users[2].kana") == "users-2-kana"
    assert html_id_for_path("project_name") == "project_name"
    assert html_id_for_path("supervisor_ids") == "supervisor_ids"


def test_error_summary_links_to_each_field_and_names_the_section_of_ambiguous_labels():
    errors = [
        FieldError(field="billing_phone", label="電話番号", message="「電話番号」を入力してください。"),
        FieldError(field="users[2].kana", label="利用者2の氏名（フリガナ）", message="カナで。"),
    ]

    form = form_view(raw={}, errors=errors, office_choices=[], row_count=3)

    assert [(link.href, link.text) for link in form.error_links] == [
        ("#billing_phone", "請求書送付先：「電話番号」を入力してください。"),
        ("#users-2-kana", "カナで。"),
    ]
    (_row_position, cells) = form.user_rows[1]
    kana = next(cell for cell in cells if cell.spec.key == "kana")
    assert kana.errors == ["カナで。"]
    assert kana.cell_described_by == "users-2-kana-error"


def test_form_sections_follow_the_schema_and_every_field_is_bound_once():
    form = form_view(raw={"project_name": "工事"}, office_choices=[("1501", "村上")], row_count=3)

    bound = [field for _section, _label, fields in form.sections for field in fields]
    assert [field.name for field in bound] == [spec.key for spec in sorted(FIELDS, key=_section_order)]
    assert next(field for field in bound if field.name == "project_name").value == "工事"
    assert next(field for field in bound if field.name == "office").choices == [("1501", "村上")]
    assert [position for position, _cells in form.user_rows] == [1, 2, 3]


def _section_order(spec):
    return list(SECTION_LABELS).index(spec.section)


def test_widgets_give_browsers_the_right_keyboard_and_autofill_hint():
    email = widget_for(FIELDS_BY_KEY["applicant_email"])
    assert (email.input_type, email.inputmode, email.autocomplete) == ("email", "email", "email")
    phone = widget_for(FIELDS_BY_KEY["contractor_phone"])
    assert (phone.input_type, phone.autocomplete) == ("tel", "section-contractor tel")
    assert widget_for(FIELDS_BY_KEY["billing_postcode"]).autocomplete == "billing postal-code"
    assert widget_for(FIELDS_BY_KEY["billing_address"]).autocomplete == "billing street-address"
    assert widget_for(FIELDS_BY_KEY["contractor_name"]).autocomplete == "section-contractor organization"
    amount = widget_for(FIELDS_BY_KEY["contract_amount"])
    assert (amount.input_type, amount.inputmode, amount.autocomplete) == ("text", "numeric", "off")
    assert widget_for(FIELDS_BY_KEY["period_start"]).input_type == "date"
    assert widget_for(FIELDS_BY_KEY["project_name"]).autocomplete == "off"
