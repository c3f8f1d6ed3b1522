"""A relying party driven by authlib against the live server, and a browser-like requests session
that signs in through the my-page login form."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from calsreg.accounts.models import User
from calsreg.records.services import Actor
from calsreg.sso.services import relying_party_register
from tests.accounts.helpers import PASSWORD, started

REDIRECT_URI = "https://share.example.jp/oidc/callback"
SCOPE = "openid profile email cals_projects"


@dataclass
class Party:
    server: str
    client_id: str
    secret: str | None

    def session(self, **kwargs: Any) -> OAuth2Session:
        return OAuth2Session(
            self.client_id,
            self.secret,
            scope=SCOPE,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
            **kwargs,
        )

    def url(self, path: str) -> str:
        return urljoin(self.server, path)


def registered_party(
    server: str,
    *,
    first_party: bool = True,
    confidential: bool = True,
    name: str = "情報共有システム",
    backchannel_logout_uri: str = "",
) -> Party:
    registered = relying_party_register(
        name=name,
        backchannel_logout_uri=backchannel_logout_uri,
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=["https://share.example.jp/"],
        confidential=confidential,
        first_party=first_party,
        actor=Actor.system("test"),
    )
    return Party(server=server, client_id=registered.application.client_id, secret=registered.secret)


def active_holder() -> User:
    """Tanaka, site agent of a project in use, with the initial password already changed."""
    _project, (tanaka, _suzuki, _supervisor) = started()
    tanaka.must_change_password = False
    tanaka.save(update_fields=["must_change_password"])
    return tanaka


def follow(browser: requests.Session, url: str, **kwargs: Any) -> requests.Response:
    """Follow redirects on the live server; stop at the relying party's callback or any page."""
    response = browser.get(url, allow_redirects=False, **kwargs)
    while response.status_code in {301, 302, 303} and not response.headers["Location"].startswith(
        REDIRECT_URI
    ):
        response = browser.get(urljoin(url, response.headers["Location"]), allow_redirects=False)
    return response


def sign_in(
    browser: requests.Session,
    server: str,
    login_page: requests.Response,
    *,
    username: str,
    password: str = PASSWORD,
) -> requests.Response:
    """Post the my-page login form reached from the authorization endpoint; follow on."""
    assert urlsplit(login_page.url).path == "/mypage/login/", login_page.url
    next_url = parse_qs(urlsplit(login_page.url).query)["next"][0]
    response = browser.post(
        urljoin(server, "/mypage/login/"),
        data={
            "username": username,
            "password": password,
            "next": next_url,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
    )
    if response.status_code != 302:
        return response
    return follow(browser, urljoin(server, response.headers["Location"]))


def authorize(party: Party, client: OAuth2Session, **kwargs: Any) -> tuple[str, str, str]:
    """The authorization URL with a fresh verifier and nonce: (url, verifier, nonce)."""
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, _state = client.create_authorization_url(
        party.url("/oidc/authorize/"), code_verifier=verifier, nonce=nonce, **kwargs
    )
    return url, verifier, nonce


def callback_code(response: requests.Response) -> str:
    assert response.status_code == 302, response.text[:500]
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    return parse_qs(urlsplit(location).query)["code"][0]


def id_token_claims(party: Party, id_token: str, *, nonce: str) -> Any:
    """Verify the ID token's signature against the published JWKS, and its iss, aud and nonce."""
    jwks = KeySet.import_key_set(requests.get(party.url("/.well-known/jwks.json"), timeout=10).json())
    token = jwt.decode(id_token, jwks, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        leeway=5,
        iss={"essential": True, "value": party.server.rstrip("/")},
        aud={"essential": True, "value": party.client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
        sub={"essential": True},
    ).validate(token.claims)
    return token.claims


def issued() -> dict[str, int]:
    """Everything the provider can issue: a refusal must leave each count as it was."""
    return {
        "grants": Grant.objects.count(),
        "access_tokens": AccessToken.objects.count(),
        "refresh_tokens": RefreshToken.objects.count(),
        "id_tokens": IDToken.objects.count(),
    }


@dataclass
class Flow:
    """One sign-in in progress: the party's authlib session, the person's browser, and the code."""

    client: OAuth2Session
    browser: requests.Session
    verifier: str
    nonce: str
    code: str


def code_for(party: Party, username: str, **kwargs: Any) -> Flow:
    """Sign ``username`` in through the my-page login form and get a code for ``party``."""
    client = party.session()
    url, verifier, nonce = authorize(party, client, **kwargs)
    browser = requests.Session()
    code = callback_code(sign_in(browser, party.server, follow(browser, url), username=username))
    return Flow(client=client, browser=browser, verifier=verifier, nonce=nonce, code=code)


def tokens_for(party: Party, username: str) -> Flow:
    """A completed sign-in: the party's session holds the tokens."""
    flow = code_for(party, username)
    flow.client.fetch_token(party.url("/oidc/token/"), code=flow.code, code_verifier=flow.verifier)
    return flow


@dataclass
class LogoutReceiver:
    """A relying party's back-channel logout endpoint (``http.server`` on 127.0.0.1): records each
    POSTed form and answers ``status``."""

    port: int
    status: int = 200
    posts: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/oidc/backchannel-logout"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode("ascii")
                if receiver.status < 300:
                    receiver.posts.append(
                        {"content_type": self.headers["Content-Type"], "form": parse_qs(body)}
                    )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def tokens(self) -> list[str]:
        return [post["form"]["logout_token"][0] for post in self.posts]


def logout_token_claims(party: Party, token: str) -> Any:
    """Validate a logout token as Back-Channel Logout 1.0 section 2.6 says: the signature through
    the JWKS, ``typ``, ``iss``, ``aud``, ``iat``, ``jti``, ``sub``, the logout event, and no ``nonce``."""
    jwks = KeySet.import_key_set(requests.get(party.url("/.well-known/jwks.json"), timeout=10).json())
    decoded = jwt.decode(token, jwks, algorithms=["RS256"])
    assert decoded.header["typ"] == "logout+jwt"
    jwt.JWTClaimsRegistry(
        leeway=5,
        iss={"essential": True, "value": party.server.rstrip("/")},
        aud={"essential": True, "value": party.client_id},
        iat={"essential": True},
        exp={"essential": True},
        jti={"essential": True},
        sub={"essential": True},
        events={"essential": True},
    ).validate(decoded.claims)
    assert decoded.claims["events"] == {"http://schemas.openid.net/event/backchannel-logout": {}}
    assert "nonce" not in decoded.claims
    return decoded.claims
