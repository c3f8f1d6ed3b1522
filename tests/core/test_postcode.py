"""Postcode → address from the packaged (offline) postcode data."""

from calsreg.core.postcode import PostcodeAddress, postcode_address


def test_a_postcode_gives_its_prefecture_city_and_town():
    assert postcode_address("950-0088") == PostcodeAddress(
        postcode="950-0088", prefecture="新潟県", city="新潟市中央区", town="万代"
    )
    assert postcode_address("950-0088").address == "新潟県新潟市中央区万代"


def test_full_width_digits_a_postmark_and_no_hyphen_are_understood():
    assert postcode_address("〒９５０－００８８").address == "新潟県新潟市中央区万代"
    assert postcode_address("9500088").address == "新潟県新潟市中央区万代"


def test_an_unknown_or_malformed_postcode_gives_nothing():
    assert postcode_address("000-0000") is None
    assert postcode_address("950-008") is None
    assert postcode_address("") is None
    assert postcode_address("950-0088 OR 1=1") is None
