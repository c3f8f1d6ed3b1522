from datetime import date

import pytest

from calsreg.core.era import format_era, format_japanese
from calsreg.core.phone import normalise_phone, normalise_postcode


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 11, 24), "令和8年11月24日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
    ],
)
def test_era_dates(day, text):
    assert format_era(day) == text


def test_japanese_date_with_weekday():
    assert format_japanese(date(2026, 11, 24), weekday=True) == "2026年11月24日(火)"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("025-285-5511", "025-285-5511"),
        ("0252855511", "025-285-5511"),
        ("０９０－１２３４－５６７８", "090-1234-5678"),
        ("03-1234-5678", "03-1234-5678"),
        ("12345", None),
        ("+1 202 555 0100", None),
    ],
)
def test_phone_numbers_are_parsed_as_japanese(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9508570", "950-8570"),
        ("〒950-8570", "950-8570"),
        ("９５０－８５７０", "950-8570"),
        ("95-8570", None),
    ],
)
def test_postcodes(raw, expected):
    assert normalise_postcode(raw) == expected
