"""The value matcher behind the purge: lenient where people write one value several ways, strict
where a short ID could hit an unrelated word."""

from __future__ import annotations

from calsreg.lifecycle.redaction import ERASED, Redactor, erase_all, personal_values_in

REDACTOR = Redactor(
    values=["田中 一郎", "090-1234-5678", "Tanaka@Echigo.example.jp", "", "x"],
    identifiers=["tanaka", "ab"],
    renames={"tanaka.kqz": "del2.kqz"},
)


def test_names_match_with_or_without_the_space_half_or_full_width():
    assert REDACTOR.text("田中 一郎様") == f"{ERASED}様"
    assert REDACTOR.text("田中一郎、田中　一郎") == f"{ERASED}、{ERASED}"
    assert REDACTOR.text("田中 二郎") == "田中 二郎"


def test_phone_numbers_match_with_or_without_separators_but_not_inside_longer_numbers():
    assert REDACTOR.text("携帯 09012345678 / 090 1234 5678") == f"携帯 {ERASED} / {ERASED}"
    assert REDACTOR.text("口座 1090123456789") == "口座 1090123456789"


def test_addresses_match_in_any_case():
    assert REDACTOR.text("To: TANAKA@echigo.example.jp") == f"To: {ERASED}"


def test_requested_ids_match_as_whole_words_only_and_account_ids_are_renamed():
    assert REDACTOR.text("ID tanaka を希望") == f"ID {ERASED} を希望"
    assert REDACTOR.text("sha 9f0etanaka77") == "sha 9f0etanaka77"
    assert REDACTOR.text("tanaka.kqz が操作") == "del2.kqz が操作"
    assert REDACTOR.text("ab と x は短すぎるので残る") == "ab と x は短すぎるので残る"


def test_json_is_redacted_in_values_keys_and_under_personal_keys():
    data = {
        "issued_accounts": ["tanaka.kqz", "yamadan.fpf"],
        "changed": {"applicant_email": ["old@example.jp", "new@example.jp"], "project_name": ["A", "B"]},
        "090-1234-5678": 1,
        "count": 3,
        "nothing": None,
    }

    assert REDACTOR.json(data) == {
        "issued_accounts": ["del2.kqz", "yamadan.fpf"],
        "changed": {"applicant_email": [ERASED, ERASED], "project_name": ["A", "B"]},
        ERASED: 1,
        "count": 3,
        "nothing": None,
    }


def test_values_under_personal_keys_are_collected_and_erase_all_keeps_the_shape():
    data = [{"before": {"email": "old@example.jp", "phone": ""}}, {"reply_from": "x@example.jp", "n": 1}]

    assert personal_values_in(data) == {"old@example.jp", "x@example.jp"}
    assert erase_all({"a": ["s", 1, None, ""]}) == {"a": [ERASED, 1, None, ""]}
