"""Following a keyset-paged desk list (desk/paging.py) the way a browser does: by its links."""

from __future__ import annotations

import html
import re

BAD_CURSORS = ["after=not-a-cursor", "before=%00%ff", "after=W10:1vXyz:abc", "after="]
REFUSED = "ページの指定が正しくないため、最初のページを表示しました。"


def link(response, label: str) -> str | None:
    found = re.search(rf'href="([^"]+)"[^>]*aria-label="{label}"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def follow(client, url: str, response, label: str):
    return client.get(url + link(response, label))


def walk(client, url: str, pick) -> tuple[list, list]:
    """Every row from the newest page to the oldest, then from the oldest back, as ``pick`` reads them."""
    pages = [client.get(url)]
    while link(pages[-1], "次のページ"):
        pages.append(follow(client, url, pages[-1], "次のページ"))
    back = [pages[-1]]
    while link(back[-1], "前のページ"):
        back.append(follow(client, url, back[-1], "前のページ"))
    forward = [row for page in pages for row in pick(page)]
    backward = [row for page in reversed(back) for row in pick(page)]
    return forward, backward
