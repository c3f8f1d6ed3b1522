"""Demo notices for the portal's top page (fictional, dated relative to today)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from calsreg.core import clock
from calsreg.core.era import format_japanese
from calsreg.portal.models import Notice, NoticeKind


def _at(day_offset: int, hour: int = 9) -> datetime:
    day = clock.today() + timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _next_saturday_offset() -> int:
    offset = (5 - clock.today().weekday()) % 7
    return offset or 7


def load_demo_notices() -> list[Notice]:
    """Create or refresh the demo notices; running it again changes nothing but their dates."""
    saturday = clock.today() + timedelta(days=_next_saturday_offset())
    items = [
        {
            "title": "システムメンテナンスに伴うサービス停止のお知らせ",
            "kind": NoticeKind.MAINTENANCE,
            "body": (
                f"{format_japanese(saturday, weekday=True)} 8:00〜18:00、サーバ機器の定期保守のため、"
                "新潟県CALSシステムおよび本ポータルの申込受付を停止します。\n"
                "停止中に送られた申込書のメールは、再開後に順次受け付けます。"
                "ご不便をおかけしますが、ご理解とご協力をお願いいたします。"
            ),
            "published_at": _at(-2),
            "display_until": _at(_next_saturday_offset() + 1, 0),
        },
        {
            "title": "利用規約を改定しました（2026年4月版）",
            "kind": NoticeKind.NEWS,
            "body": (
                "利用料の未納による利用停止の基準（請求書到着の翌月末）と、"
                "工事完了後の個人情報の取扱いについて、利用規約の記載を明確にしました。\n"
                "これから申し込まれる方は、改定後の規約をお読みのうえお申し込みください。"
            ),
            "published_at": _at(-20),
            "display_until": None,
        },
        {
            "title": "Webフォームからの利用申込を開始しました",
            "kind": NoticeKind.NEWS,
            "body": (
                "これまでのExcel申込書に加え、本ポータルのWebフォームから直接お申し込みいただけるように"
                "なりました。受付番号とメールアドレスで、申込の処理状況も確認できます。"
            ),
            "published_at": _at(-45),
            "display_until": None,
        },
    ]
    notices = []
    for item in items:
        notice, _created = Notice.objects.update_or_create(title=item["title"], defaults=item)
        notices.append(notice)
    return notices
