import pytest

from calsreg.core.email_address import email_address_key, same_email_address

DIRECTORY = "yamada.n@office.example.pref-niigata.jp"


@pytest.mark.parametrize(
    "typed",
    [
        "ｙａｍａｄａ．ｎ＠ｏｆｆｉｃｅ．ｅｘａｍｐｌｅ．ｐｒｅｆ－ｎｉｉｇａｔａ．ｊｐ",
        "YAMADA.N@Office.Example.PREF-NIIGATA.JP",
        "\u3000 yamada.n@office.example.pref-niigata.jp \t",
    ],
    ids=["full-width", "upper-case", "surrounding-spaces"],
)
def test_the_same_mailbox_however_typed_is_the_same_address(typed):
    assert same_email_address(typed, DIRECTORY)


@pytest.mark.parametrize(
    "other",
    [
        "yamada .n@office.example.pref-niigata.jp",
        "yаmada.n@office.example.pref-niigata.jp",  # a Cyrillic "а"
        "yamada.n@office.example.pref-niigata.jp.evil.example",
        "",
    ],
    ids=["inner-space", "homoglyph", "look-alike-domain", "empty"],
)
def test_a_different_mailbox_is_a_different_address(other):
    assert not same_email_address(other, DIRECTORY)


def test_two_empty_or_address_less_values_are_never_the_same():
    assert not same_email_address("", "")
    assert not same_email_address("yamada", "YAMADA")


def test_the_key_is_half_width_trimmed_and_case_folded():
    assert email_address_key("\u3000ＹＡＭＡＤＡ＠Example.JP ") == "yamada@example.jp"
