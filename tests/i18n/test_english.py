"""The English UI: key pages render from locale/en, and the catalogue is complete and compiled.

Message ids are the Japanese text (docs/decisions/0001-japanese-source-strings.md), so a string that
is missing from the catalogue shows up in English mode as Japanese: these tests look for both the
English wording and the absence of the Japanese it replaces.
"""

from __future__ import annotations

import gettext
import re
import shutil
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response, *, status: int = 200) -> str:
    assert response.status_code == status
    return unescape(response.content.decode())


def _assert_english(page: str, *, present: list[str], absent: list[str]) -> None:
    assert '<html lang="en">' in page
    missing = [text for text in present if text not in page]
    assert not missing, f"English text missing: {missing}"
    leftover = [text for text in absent if text in page]
    assert not leftover, f"Japanese text still shown in English mode: {leftover}"


@pytest.mark.django_db
def test_portal_top_page_is_in_english(client):
    page = _text(_english(client).get("/"))

    _assert_english(
        page,
        present=[
            "Niigata Prefecture CALS System usage application",
            "Ways to apply",
            "Apply using the web form",
            "Check application status",
            "Steps to start using the system",
            "Weekdays 9:00–17:00",
            "Preventing impersonation",
            "Skip to main content",
        ],
        absent=[
            "新潟県CALSシステム 利用申込",
            "申込の方法",
            "Webフォームで申し込む",
            "申込状況の確認",
            "ご利用開始までの流れ",
            "なりすまし防止のために",
            "ヘルプデスク",
        ],
    )


@pytest.mark.django_db
def test_portal_top_page_stays_japanese_without_a_language_choice(client):
    page = _text(client.get("/"))

    assert '<html lang="ja">' in page
    assert "新潟県CALSシステム 利用申込" in page
    assert "Ways to apply" not in page


@pytest.mark.django_db
def test_language_switch_button_turns_the_portal_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    page = _text(client.get("/"))

    assert '<html lang="en">' in page
    assert "Niigata Prefecture CALS System usage application" in page


@pytest.mark.django_db
def test_web_form_is_in_english(client):
    page = _text(_english(client).get("/apply/"))

    _assert_english(
        page,
        present=[
            "Apply using the web form",
            "Project details",
            "Contractor details",
            "Applicant contact person",
            "Ordering office",
            "Construction period (start)",
            "Contract amount (yen, tax included)",
            "Orderer's supervisors",
            "Site agent",
            "I agree to the terms of use",
            "Review before sending",
            "Required",
        ],
        absent=[
            "工事情報",
            "受注者情報",
            "発注事務所",
            "現場代理人",
            "必須",
            "利用規約に同意する",
            "この内容で申し込む",
        ],
    )


@pytest.mark.django_db
def test_web_form_errors_are_in_english_and_name_the_field(client):
    page = _text(_english(client).post("/apply/", {"action": "submit"}), status=422)

    assert re.search(r"There are \d+ errors in your input", page)
    _assert_english(
        page,
        present=[
            "Check the following items and submit again.",
            'Please enter "Project name".',
            'Please select "Ordering office".',
            'Project details: Please enter "Project number".',
            "Enter at least one user.",
            'Read the terms of use and select "I agree".',
        ],
        absent=[
            "入力内容に誤りがあります",
            "を入力してください",
            "を選んでください",
            "利用者を1人以上入力してください",
        ],
    )


@pytest.mark.django_db
def test_desk_login_page_is_in_english(client):
    page = _text(_english(client).get("/desk/login/"))

    _assert_english(
        page,
        present=[
            "Staff login",
            "For help desk, administrator and billing agent staff.",
            "Username",
            "Password",
            "Log in",
            "Niigata Prefecture CALS System Help Desk",
        ],
        absent=["職員ログイン", "ユーザー名", "パスワード", "ログイン", "ヘルプデスク"],
    )


@dataclass
class _Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    body = text.strip()
    assert body.startswith('"') and body.endswith('"'), body
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], body[1:-1])


def _read_po(path: Path) -> list[_Entry]:
    """Stdlib-only .po reader: enough for the entries makemessages writes (no msgctxt in this project)."""
    entries: list[_Entry] = []
    entry = _Entry()
    target: tuple[str, int] | None = None
    for number, raw in enumerate([*path.read_text(encoding="utf-8").splitlines(), ""], start=1):
        line = raw.strip()
        if not line:
            if target is not None:
                entries.append(entry)
            entry, target = _Entry(), None
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, target = _unquote(line[13:]), ("msgid_plural", 0)
        elif line.startswith("msgid "):
            entry.msgid, entry.line, target = _unquote(line[6:]), number, ("msgid", 0)
        elif match := re.match(r"msgstr(?:\[(\d+)\])? (.*)", line):
            index = int(match.group(1) or 0)
            entry.msgstr[index], target = _unquote(match.group(2)), ("msgstr", index)
        elif line.startswith('"') and target is not None:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    return entries


def _messages() -> list[_Entry]:
    entries = _read_po(PO_PATH)
    assert entries and entries[0].msgid == "", "the .po file has no header"
    return entries[1:]


def test_catalogue_has_a_translation_for_every_message():
    messages = _messages()

    assert len(messages) > 500
    empty = [f"line {e.line}: {e.msgid[:40]}" for e in messages if not all(e.msgstr.values())]
    assert not empty, f"untranslated entries: {empty}"
    fuzzy = [f"line {e.line}: {e.msgid[:40]}" for e in messages if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries (check and remove the flag): {fuzzy}"
    assert "fuzzy" not in _read_po(PO_PATH)[0].flags
    plural = [e for e in messages if e.msgid_plural is not None]
    assert all(sorted(e.msgstr) == [0, 1] for e in plural)


def test_catalogue_keeps_every_placeholder():
    wrong = []
    for entry in _messages():
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"line {entry.line}: {entry.msgid[:40]} → {text[:40]}")
    assert not wrong, f"placeholders differ from the message id: {wrong}"


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo holds exactly the .po's translations (it was compiled after the last edit)."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = compiled._catalog  # type: ignore[attr-defined]

    stale = []
    for entry in _messages():
        if entry.msgid_plural is None:
            if catalog.get(entry.msgid) != entry.msgstr[0]:
                stale.append(entry.msgid[:40])
        elif [catalog.get((entry.msgid, i)) for i in sorted(entry.msgstr)] != list(entry.msgstr.values()):
            stale.append(entry.msgid[:40])
    assert not stale, f"django.mo is out of date; run compilemessages -l en: {stale}"
    assert len([key for key in catalog if key != ""]) == sum(len(e.msgstr) for e in _messages())


def test_compiled_catalogue_is_what_compilemessages_writes(tmp_path, monkeypatch, settings):
    if shutil.which("msgfmt") is None:
        pytest.skip("GNU gettext's msgfmt is not installed; the .mo contents are still checked above")
    copy = tmp_path / "locale" / "en" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    shutil.copyfile(PO_PATH, copy / "django.po")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)

    call_command("compilemessages", locale=["en"], verbosity=0)

    assert (copy / "django.mo").read_bytes() == MO_PATH.read_bytes(), (
        "django.mo differs from a fresh compile of django.po; run compilemessages -l en and commit the .mo"
    )
