"""How IDs and initial passwords are made: shapes, alphabets without look-alikes, randomness."""

from __future__ import annotations

import re

import pytest

from calsreg.accounts import credentials

LOOK_ALIKES = set("0Oo1lIij")


def test_an_id_suffix_is_three_letters_without_look_alikes():
    suffixes = {credentials.account_id_suffix() for _ in range(500)}

    assert all(re.fullmatch(r"[a-z]{3}", suffix) for suffix in suffixes)
    assert not set("".join(suffixes)) & set("ilo")
    assert len(suffixes) > 400


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("tanaka", "tanaka.xyz"),
        ("Tanaka2", "tanaka2.xyz"),
        ("abc", "abc.xyz"),
        ("abcdefghij", "abcdefghij.xyz"),
    ],
)
def test_an_id_is_the_requested_part_lower_cased_a_dot_and_the_suffix(requested, expected):
    assert credentials.account_id_compose(requested=requested, suffix="xyz") == expected


@pytest.mark.parametrize("requested", ["ab", "abcdefghijk", "ta-naka", "たなか"])
def test_a_malformed_requested_part_is_a_programming_error(requested):
    with pytest.raises(ValueError):
        credentials.account_id_compose(requested=requested, suffix="xyz")


@pytest.mark.parametrize(
    ("email", "part"),
    [
        ("kantoku.taro@pref.niigata.lg.jp", "kantokutar"),
        ("Sato_H@pref.niigata.lg.jp", "satoh"),
        ("k@pref.niigata.lg.jp", "ksu"),
        ("ab@pref.niigata.lg.jp", "abs"),
        ("--@pref.niigata.lg.jp", "sup"),
    ],
)
def test_a_supervisors_requested_part_comes_from_the_directory_address(email, part):
    assert credentials.requested_part_for_email(email) == part


def test_an_initial_password_has_fourteen_characters_of_every_class_and_no_look_alikes():
    passwords = [credentials.initial_password_generate() for _ in range(200)]

    for password in passwords:
        assert len(password) == 14
        assert not set(password) & LOOK_ALIKES
        assert re.search(r"[A-Z]", password)
        assert re.search(r"[a-z]", password)
        assert re.search(r"[2-9]", password)
    assert len(set(passwords)) == 200


def test_an_initial_password_is_never_shorter_than_twelve():
    assert len(credentials.initial_password_generate(length=12)) == 12
    with pytest.raises(ValueError):
        credentials.initial_password_generate(length=11)
