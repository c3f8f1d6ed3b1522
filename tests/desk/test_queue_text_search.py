"""The queue's text filter: the same applications as the former ``icontains`` on four columns for
ASCII and kanji, any width or kana besides, served by the bigram index on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Q
from django.urls import reverse

from calsreg.applications.models import Application
from calsreg.applications.selectors import QueueFilters, applications_for_queue
from calsreg.applications.services import application_details_change
from calsreg.applications.services.search_index import search_index_rebuild
from calsreg.records.services import Actor
from tests.desk.helpers import make_application
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db

NAMES = [
    ("信濃川護岸設置工事", "株式会社越後建設"),
    ("阿賀野川左岸護岸補修工事", "長岡土木株式会社"),
    ("一般県道1号 舗装補修工事（その2護岸）", "株式会社佐渡組"),
    ("100%出資 A_B工区 整備工事", "上越\\建設株式会社"),
    ("ゴガン補修工事", "ＡＢＣ建設株式会社"),
    ("令和８年度 ごがん工事", "ｶﾅ建設"),
]


def _receipts(response) -> list[str]:
    return re.findall(r'<a href="/desk/applications/\d+/">(R2026-\d{6})</a>', response.content.decode())


def _queue(client, text: str) -> list[str]:
    return sorted(_receipts(client.get(reverse("desk:queue"), {"q": text})))


def _icontains(text: str) -> list[str]:
    """What the queue found before: ``icontains`` on the four columns."""
    match = (
        Q(receipt_number__icontains=text)
        | Q(project_number__icontains=text)
        | Q(project_name__icontains=text)
        | Q(contractor_name__icontains=text)
    )
    return sorted(Application.objects.filter(match).values_list("receipt_number", flat=True))


@pytest.fixture
def six():
    office = OfficeFactory(name="新潟地域振興局 地域整備部", code="1503")
    return [
        make_application(office=office, number=n, project_name=name, contractor_name=company)
        for n, (name, company) in enumerate(NAMES, start=1)
    ]


@pytest.mark.usefixtures("six")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("信濃川", [1]),  # kanji, start of a name
        ("護岸", [1, 2, 3]),  # kanji, middle and end of names
        ("工事", [1, 2, 3, 4, 5, 6]),
        ("（その2護岸）", [3]),
        ("000002", [2]),  # receipt number fragment
        ("r2026-00000", [1, 2, 3, 4, 5, 6]),  # ASCII, other case
        ("R8-新潟-土木-0004", [4]),  # project number
        ("長岡土木", [2]),  # company
        ("川", [1, 2]),  # one character: no bigram, the LIKE alone
        ("存在しない工事名", []),
        ("%", [4]),  # wildcards are characters
        ("0%出", [4]),
        ("_", [4]),
        ("A_B", [4]),
        ("\\", [4]),
        ("越\\建", [4]),
    ],
)
def test_finds_the_same_applications_as_icontains_for_ascii_and_kanji(desk_client, text, expected):
    found = _queue(desk_client, text)

    assert found == [f"R2026-{n:06d}" for n in expected]
    assert found == _icontains(text)


@pytest.mark.usefixtures("six")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｺﾞｶﾞﾝ", [5, 6]),  # half-width katakana
        ("ごがん", [5, 6]),  # hiragana
        ("ゴガン", [5, 6]),  # katakana
        ("abc建設", [5]),  # half-width for full-width letters
        ("ＡＢＣ", [5]),
        ("令和8年度", [6]),  # half-width digit for a full-width one
        ("カナ建設", [6]),  # full-width kana for half-width
        ("　ごがん　", [5, 6]),  # ideographic spaces trimmed
    ],
)
def test_finds_any_width_and_kana(desk_client, text, expected):
    assert _queue(desk_client, text) == [f"R2026-{n:06d}" for n in expected]


def test_a_correction_of_the_company_through_the_service_changes_what_is_found(desk_client, six):
    application = six[0]
    application.status = "registered"
    application.save(update_fields=["status"])

    application_details_change(
        application=application,
        values={"contractor_name": "株式会社魚沼ケンセツ"},
        actor=Actor.system("test"),
    )

    assert _queue(desk_client, "魚沼けんせつ") == ["R2026-000001"]
    assert _queue(desk_client, "越後建設") == []


def test_rows_written_in_bulk_are_found_and_stale_ones_are_rebuilt(desk_client, six):
    office = six[0].office
    template = Application.objects.get(pk=six[0].pk)
    template.pk = None
    template.receipt_number = "R2026-000099"
    template.project_name = "ﾊﾞﾙｸ護岸"
    Application.objects.bulk_create([template])
    assert _queue(desk_client, "バルク") == ["R2026-000099"]

    Application.objects.filter(office=office).update(search_text="")  # as after a COPY
    assert _queue(desk_client, "護岸") == []

    assert search_index_rebuild() == 7
    assert _queue(desk_client, "護岸") == ["R2026-000001", "R2026-000002", "R2026-000003", "R2026-000099"]
    assert search_index_rebuild() == 0


@pytest.mark.parametrize("count", [3, 60])
def test_the_text_filter_costs_the_same_queries_for_3_or_60_matches(
    desk_client, django_assert_num_queries, count
):
    office = OfficeFactory()
    for number in range(1, count + 1):
        make_application(office=office, number=number, project_name=f"護岸工事{number}")

    # session, user, status counts, COUNT(*), the page's rows, the office drop-down
    with django_assert_num_queries(8):
        response = desk_client.get(reverse("desk:queue"), {"q": "岸工事"})

    assert len(_receipts(response)) == min(count, 50)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bigram index is PostgreSQL's")
def test_the_bigram_index_serves_the_filter_on_postgresql(six):
    template = Application.objects.get(pk=six[0].pk)
    rows = []
    for number in range(100, 3100):
        template.pk = None
        template.receipt_number = f"R2026-{number:06d}"
        template.project_name = f"舗装補修工事{number}"
        rows.append(
            Application(
                **{f.attname: getattr(template, f.attname) for f in Application._meta.concrete_fields}
            )
        )
    Application.objects.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        # as autovacuum does: the GIN index's pending list merged, the table's statistics taken
        cursor.execute("SELECT gin_clean_pending_list('application_search_bigrams')")
        cursor.execute("ANALYZE applications_application")

    plan = applications_for_queue(filters=QueueFilters(text="護岸")).explain()

    assert "application_search_bigrams" in plan
    assert sorted(applications_for_queue(filters=QueueFilters(text="護岸")).values_list("pk", flat=True)) == [
        six[0].pk,
        six[1].pk,
        six[2].pk,
    ]
