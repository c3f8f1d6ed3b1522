"""The portal's information pages and the top page's notices."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calsreg.portal.demo import load_demo_notices
from calsreg.portal.models import Notice, NoticeKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "texts"),
    [
        (
            "/",
            [
                "新潟県CALSシステム 利用申込",
                "申し込む",
                "申込書ダウンロード",
                "申込状況の確認",
                "平日 9:00〜17:00",
            ],
        ),
        (
            "/how-to-apply/",
            [
                "申込から利用開始までの流れ",
                "発注者への内容確認",
                "なりすまし防止のため",
                "翌月末日までに入金が確認できない場合",
                "既に登録されている電話番号へお電話し",
            ],
        ),
        (
            "/downloads/",
            [
                "申込書・利用規約のダウンロード",
                "利用申込書（Excel）",
                "/downloads/application-form.xlsx",
                "/downloads/terms.pdf",
            ],
        ),
        (
            "/terms/",
            [
                "新潟県CALSシステム 利用規約",
                "版: 2026-04",
                "第9条（利用の停止）",
                "第11条（個人情報の取扱い）",
            ],
        ),
        ("/apply/", ["Webフォームで申し込む", "工事情報", "利用規約に同意する"]),
        ("/apply/upload/", ["記入済みの申込書をアップロード"]),
        ("/status/", ["申込状況の確認", "受付番号"]),
    ],
)
def test_every_page_renders_in_japanese(client, url, texts):
    response = client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    for text in texts:
        assert text in html


def test_pages_render_in_english_when_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = client.get("/").content.decode()

    assert '<html lang="en">' in html


def test_the_top_page_shows_current_notices_only_with_maintenance_first(
    client, django_assert_max_num_queries
):
    now = timezone.now()
    Notice.objects.create(
        kind=NoticeKind.NEWS,
        title="掲載中のお知らせ",
        body="本文です。",
        published_at=now - timedelta(days=1),
    )
    Notice.objects.create(
        kind=NoticeKind.MAINTENANCE,
        title="今週末の停止",
        published_at=now - timedelta(hours=1),
        display_until=now + timedelta(days=3),
    )
    Notice.objects.create(
        title="終わったお知らせ", published_at=now - timedelta(days=9), display_until=now - timedelta(days=1)
    )
    Notice.objects.create(title="これからのお知らせ", published_at=now + timedelta(days=1))

    with django_assert_max_num_queries(1):
        html = client.get("/").content.decode()

    assert "掲載中のお知らせ" in html and "<p>本文です。</p>" in html
    assert html.index("今週末の停止") < html.index("掲載中のお知らせ")
    assert "メンテナンスのお知らせ" in html
    assert "終わったお知らせ" not in html and "これからのお知らせ" not in html


def test_the_top_page_without_notices_says_so(client):
    assert "現在、お知らせはありません。" in client.get("/").content.decode()


def test_demo_notices_load_once_however_often_they_are_loaded(client):
    load_demo_notices()
    load_demo_notices()

    assert Notice.objects.count() == 3
    assert sorted(Notice.objects.values_list("kind", flat=True)) == ["maintenance", "news", "news"]
    html = client.get("/").content.decode()
    assert "システムメンテナンスに伴うサービス停止のお知らせ" in html
    assert "利用規約を改定しました（2026年4月版）" in html


def test_notices_are_editable_in_the_admin(admin_client):
    load_demo_notices()

    response = admin_client.get("/admin/portal/notice/")

    assert response.status_code == 200
    assert "Webフォームからの利用申込を開始しました" in response.content.decode()
