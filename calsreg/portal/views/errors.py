"""The CSRF failure page (settings.CSRF_FAILURE_VIEW): what happened, in the portal's words, and
nothing typed lost.

A form of the portal that knows how to re-show itself from its POST is re-shown, unsent, with a
message above it; any other POST gets a page explaining the failure with a button back to the form
(the browser restores what was typed). Nothing is ever submitted from here: a forged POST only
fills in a form the visitor would still have to send themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from calsreg.portal.change.views.portal import portal_form_reshown
from calsreg.portal.views import apply

# url name (namespace portal) → the view's "re-show the form from this POST, unsent".
RESHOWN: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "apply": apply.form_reshown,
    "change_portal": portal_form_reshown,
}


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    no_cookie = reason == REASON_NO_CSRF_COOKIE
    reshow = _reshown_form(request) if request.method == "POST" else None
    if reshow is not None:
        messages.warning(request, _notice(no_cookie=no_cookie))
        response = reshow(request)
        response.status_code = 403
        return response
    # Only a path of this site is linked back to (a path such as //elsewhere would leave it).
    form_path = request.path if url_has_allowed_host_and_scheme(request.path, allowed_hosts=None) else ""
    context = {"no_cookie": no_cookie, "form_path": form_path}
    body = loader.render_to_string("portal/csrf_failure.html", context, request=request)
    return HttpResponseForbidden(body)


def _reshown_form(request: HttpRequest) -> Callable[[HttpRequest], HttpResponse] | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.namespace != "portal":
        return None
    return RESHOWN.get(match.url_name or "")


def _notice(*, no_cookie: bool) -> str:
    if no_cookie:
        return _(
            "ブラウザーのCookieが無効になっているため、送信を受け付けられませんでした。"
            "Cookieを有効にしてから、入力内容を確かめてもう一度送信してください。入力内容はそのまま残しています。"
        )
    return _(
        "ページを開いてから時間が経ったか、別の画面でログイン・ログアウトしたため、安全のための確認の"
        "有効期限が切れていました。送信はされていません。入力内容はそのまま残していますので、"
        "確かめてもう一度送信してください。"
    )
