"""Pages of the demo service: sign-in through calsreg, the person's projects, the events mirror."""

from __future__ import annotations

import json
import logging
from typing import cast
from urllib.parse import urlencode

from authlib.integrations.base_client.errors import OAuthError
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from demo_service import mirror
from demo_service.backchannel import LogoutTokenInvalid, logout_token_claims, sessions_end
from demo_service.models import Project, ReceivedEvent, SignedIn
from demo_service.oidc import calsreg

log = logging.getLogger(__name__)

ROLE_LABELS = {
    "site_agent": "現場代理人",
    "chief_engineer": "主任（監理）技術者",
    "engineer": "担当技術者",
    "other": "その他",
    "general_supervisor": "総括監督員",
    "chief_supervisor": "主任監督員",
    "supervisor": "監督員",
}
STATE_LABELS = {
    "provisioned": "利用開始前",
    "active": "利用中",
    "suspended": "利用停止中",
    "closed": "利用終了",
}
# What calsreg's authorization endpoint may answer with (RFC 6749 §4.1.2.1), in the person's words.
ERROR_MESSAGES = {
    "access_denied": "calsregでのログインが中止されたか、許可されませんでした。",
    "login_required": "calsregへのログインが必要です。",
}
CSP = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' {issuer}; frame-ancestors 'none'; base-uri 'none'"


def content_security_policy(get_response):
    """No inline script or style anywhere: the pages are plain HTML forms and links."""
    policy = CSP.format(issuer=settings.CONFIG.issuer)

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.setdefault("Content-Security-Policy", policy)
        return response

    return middleware


def home(request: HttpRequest) -> HttpResponse:
    user = request.session.get("user")
    projects = [
        {
            **project,
            "role_label": ROLE_LABELS.get(project.get("role", ""), project.get("role", "")),
            "state_label": STATE_LABELS.get(project.get("state", ""), project.get("state", "")),
        }
        for project in (user or {}).get("cals_projects", [])
    ]
    return render(request, "demo_service/home.html", {"user": user, "projects": projects})


@require_POST
def login(request: HttpRequest) -> HttpResponse:
    request.session.cycle_key()
    return calsreg.authorize_redirect(request, f"{settings.CONFIG.base_url}/callback/")


def callback(request: HttpRequest) -> HttpResponse:
    if "error" in request.GET:
        # calsreg has shown the person the reason on its own page; say plainly that it did not work.
        return _refused(request, request.GET.get("error", ""), request.GET.get("error_description", ""))
    try:
        token = calsreg.authorize_access_token(request)  # code + verifier; ID token checked via JWKS
    except OAuthError as error:
        return _refused(request, error.error, error.description or "")
    claims = token["userinfo"]
    request.session.cycle_key()
    request.session["user"] = {
        "sub": claims["sub"],
        "preferred_username": claims.get("preferred_username", ""),
        "name": claims.get("name", ""),
        "email": claims.get("email", ""),
        "cals_projects": claims.get("cals_projects", []),
    }
    request.session["id_token"] = token["id_token"]
    request.session.save()
    # save() just above gave the session its key.
    session_key = cast(str, request.session.session_key)
    SignedIn.objects.create(sub=claims["sub"], sid=claims.get("sid", ""), session_key=session_key)
    return redirect("home")


def _refused(request: HttpRequest, error: str, description: str) -> HttpResponse:
    log.warning("sign-in refused: %s %s", error, description)
    message = ERROR_MESSAGES.get(error, "calsregでのログインに失敗しました。")
    context = {"message": message, "error": error, "description": description}
    return render(request, "demo_service/refused.html", context, status=403)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """RP-initiated logout: end this session, then calsreg's (its confirmation page), then back here."""
    id_token = request.session.get("id_token", "")
    SignedIn.objects.filter(session_key=request.session.session_key or "").delete()
    request.session.flush()
    metadata = calsreg.load_server_metadata()
    query = {
        "client_id": settings.CONFIG.client_id,
        "post_logout_redirect_uri": f"{settings.CONFIG.base_url}/",
    }
    if id_token:
        query["id_token_hint"] = id_token
    return redirect(f"{metadata['end_session_endpoint']}?{urlencode(query)}")


@csrf_exempt
def webhook(request: HttpRequest) -> HttpResponse:
    """calsreg's signed events: verify the HMAC over the raw body first, then store once by id."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = request.body
    if not mirror.signature_valid(secret=settings.CONFIG.signing_secret, headers=request.headers, body=body):
        return HttpResponse("invalid signature", status=401, content_type="text/plain")
    try:
        event = json.loads(body)
        if event.get("id") != request.headers.get("X-Calsreg-Event-Id"):
            return HttpResponse("event id mismatch", status=400, content_type="text/plain")
        mirror.event_apply(event=event, via="webhook")
    except (ValueError, KeyError, TypeError, AttributeError):
        return HttpResponse("malformed event", status=400, content_type="text/plain")
    return HttpResponse(status=204)


def members(request: HttpRequest) -> HttpResponse:
    if not request.session.get("user"):
        return redirect("home")
    projects = Project.objects.prefetch_related("memberships__account")
    context = {
        "projects": [
            {
                "project": project,
                "state_label": STATE_LABELS.get(project.state, project.state),
                "members": [
                    {"account": m.account, "role_label": ROLE_LABELS.get(m.role, m.role)}
                    for m in project.memberships.all()
                ],
            }
            for project in projects
        ],
        "events": ReceivedEvent.objects.count(),
        "cursor": mirror.last_cursor(),
        "caught_up": request.session.pop("caught_up", None),
    }
    return render(request, "demo_service/members.html", context)


@require_POST
def catch_up(request: HttpRequest) -> HttpResponse:
    if not request.session.get("user"):
        return redirect("home")
    request.session["caught_up"] = mirror.feed_catch_up(
        issuer=settings.CONFIG.issuer, token=settings.CONFIG.feed_token
    )
    return redirect("members")


def stylesheet(request: HttpRequest) -> HttpResponse:
    return render(request, "demo_service/style.css", content_type="text/css; charset=utf-8")


@csrf_exempt
def backchannel_logout(request: HttpRequest) -> HttpResponse:
    """calsreg's signed logout token (Back-Channel Logout 1.0): verify it, then end the sessions."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        sessions_end(claims=logout_token_claims(request.POST.get("logout_token", "")))
    except LogoutTokenInvalid as error:
        log.warning("logout token refused: %s", error)
        response = HttpResponse("invalid logout token", status=400, content_type="text/plain")
    else:
        response = HttpResponse(status=200)
    response["Cache-Control"] = "no-store"
    return response
