"""Error pages in the portal's layout and language, and a CSRF failure that keeps what was typed."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from calsreg.applications.models import Application, ApplicationUser
from calsreg.changes.models import ChangeRequest
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from tests.factories import SupervisorFactory
from tests.portal.helpers import form_post

EXPIRED = "安全のための確認の有効期限が切れていました"
NO_COOKIE = "ブラウザーのCookieが無効になっている"


def _stored() -> dict[str, int]:
    return {
        "applications": Application.objects.count(),
        "users": ApplicationUser.objects.count(),
        "changes": ChangeRequest.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "deliveries": Delivery.objects.count(),
    }


def _with_stale_token() -> Client:
    """A browser whose CSRF cookie no longer matches the token in the form it posts."""
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    return client


@pytest.mark.django_db
def test_an_unknown_address_is_a_japanese_404_page_with_the_portal_navigation():
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "ページが見つかりません" in page
    assert '<nav class="site-nav"' in page
    assert 'href="/status/">申込状況の確認</a>' in page
    assert "Not Found" not in page


@pytest.mark.django_db
def test_an_unknown_address_is_an_english_404_page_when_the_language_is_english():
    response = Client().get("/no-such-page/", headers={"accept-language": "en"})

    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "ページが見つかりません" not in page


def test_the_500_page_renders_without_a_request_context_or_the_database():
    # No django_db mark: any query here would fail the test.
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "ただいま処理できませんでした" in page
    assert '<nav class="site-nav"' in page


def test_the_500_page_is_english_when_the_language_is_english():
    with translation.override("en"):
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "ただいま処理できませんでした" not in page


@pytest.mark.django_db
def test_an_apply_post_with_a_stale_token_reshows_the_form_with_what_was_typed_and_sends_nothing():
    supervisor = SupervisorFactory()
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], action="submit")
    body["csrfmiddlewaretoken"] = "b" * 32
    before = _stored()

    response = _with_stale_token().post("/apply/", body)

    assert response.status_code == 403
    page = response.content.decode()
    assert EXPIRED in page
    assert "DEBUG" not in page
    assert f'value="{body["project_name"]}"' in page
    assert f'value="{body["contractor_name"]}"' in page
    assert 'value="tanaka@echigo-kensetsu.example.co.jp"' in page
    assert f'value="{supervisor.pk}" id="supervisor-{supervisor.pk}" checked' in page
    # A fresh token, so that sending the re-shown form works.
    assert 'name="csrfmiddlewaretoken"' in page
    assert _stored() == before


@pytest.mark.django_db
def test_an_apply_post_without_a_csrf_cookie_says_to_enable_cookies_and_keeps_the_values():
    supervisor = SupervisorFactory()
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], action="submit")

    response = Client(enforce_csrf_checks=True).post("/apply/", body)

    assert response.status_code == 403
    page = response.content.decode()
    assert NO_COOKIE in page
    assert f'value="{body["project_name"]}"' in page
    assert Application.objects.count() == 0


@pytest.mark.django_db
def test_a_portal_change_post_with_a_stale_token_reshows_the_form_and_files_nothing():
    body = {
        "reference": "A2026-00001",
        "requester_name": "田中 一郎",
        "reason": "担当者の交代のため",
        "item_rows": "1",
        "action": "submit",
        "csrfmiddlewaretoken": "b" * 32,
    }
    before = _stored()

    response = _with_stale_token().post("/changes/", body)

    assert response.status_code == 403
    page = response.content.decode()
    assert EXPIRED in page
    assert 'value="A2026-00001"' in page
    assert 'value="田中 一郎"' in page
    assert "担当者の交代のため" in page
    assert _stored() == before


@pytest.mark.django_db
def test_another_post_with_a_stale_token_explains_and_offers_a_way_back_to_the_form():
    response = _with_stale_token().post(
        "/mypage/login/", {"username": "tanaka.abc", "password": "x", "csrfmiddlewaretoken": "b" * 32}
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "送信を受け付けられませんでした" in page
    assert EXPIRED in page
    assert "data-history-back" in page
    assert 'href="/mypage/login/"' in page
    assert "DEBUG" not in page
    assert '<nav class="site-nav"' in page


@pytest.mark.django_db
def test_a_stale_post_to_a_path_that_leaves_the_site_links_nowhere():
    response = _with_stale_token().post("//elsewhere.example/", {"csrfmiddlewaretoken": "b" * 32})

    assert response.status_code == 403
    assert 'href="//elsewhere.example/"' not in response.content.decode()
