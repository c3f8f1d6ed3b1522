"""The apply form's postcode → address look-up: JSON for the page's script, counted per client."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/apply/postcode/"


def test_a_known_postcode_answers_its_address():
    response = Client().get(URL, {"code": "9500088"})

    assert response.status_code == 200
    assert response.json() == {
        "postcode": "950-0088",
        "prefecture": "新潟県",
        "city": "新潟市中央区",
        "town": "万代",
        "address": "新潟県新潟市中央区万代",
    }


def test_an_unknown_postcode_answers_404_in_japanese():
    response = Client().get(URL, {"code": "0000000"})

    assert response.status_code == 404
    assert response.json() == {"error": "この郵便番号の住所は見つかりません。"}


def test_a_script_past_the_hourly_allowance_is_refused_without_an_answer(settings):
    settings.POSTCODE_LOOKUPS_PER_HOUR = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    answered = [client.get(URL, {"code": f"950008{n}"}).status_code for n in range(3)]

    refused = client.get(URL, {"code": "9500088"})

    assert answered.count(429) == 0
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "address" not in refused.json()
    # Another client keeps its own allowance.
    assert Client(REMOTE_ADDR="203.0.113.10").get(URL, {"code": "9500088"}).status_code == 200


def test_the_apply_form_s_postcode_inputs_name_the_address_they_fill():
    page = Client().get("/apply/").content.decode()

    assert 'id="contractor_postcode"' in page
    assert 'data-postcode-fills="contractor_address" data-postcode-url="/apply/postcode/"' in page
    assert 'data-postcode-fills="billing_address" data-postcode-url="/apply/postcode/"' in page
