"""The single sign-on benchmark (issue 10): what a sign-in and a token cost, and how long a suspension
takes to reach every relying party.

(a) **Sign-in round trip** — a signed-in browser session (``force_login``) asks ``/oidc/authorize/``
with PKCE (S256) for a first-party party, the party exchanges the code at ``/oidc/token/`` and reads
``/oidc/userinfo/`` with the access token; once for a public party, once for a confidential one
(client secret in HTTP Basic, checked against its stored hash).

(b) **Token endpoint** — a code exchange alone (the authorization request made untimed just before)
and a refresh grant (the rotated refresh token of the previous one), for both kinds of party.

Each of these is measured in **process CPU time** right after a request to a plain Django view
(``/bench/plain/``: the whole middleware stack and the signed-in session, no work of its own), and
reported as the ratio of the two, with its spread over the run: the machine is shared, so wall time
would measure the neighbours. Everything goes through Django's test ``Client`` in this process, as
in the other benchmarks; what the database server itself spends is not in the process's CPU time.

(c) **Fan-out** — a started project of ``users`` people, each signed in (the real round trip) at
``parties`` relying parties that each have a webhook subscriber and a back-channel logout URI on an
``http.server`` receiver in this process answering 204; the project is suspended through the real
service and the real worker (django-tasks' ``db_worker --batch``) runs until it has nothing ready.
Timed in CPU and wall time (the deliveries are real HTTP); exactly one logout token per person and
party and exactly one webhook per event and party must have arrived, and a second worker run must
send nothing. Then the project is reinstated, everybody signs in again, and the next round starts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import path
from django.utils.translation import gettext_noop

from bench.registration import BenchFailed, application_submitted, setting_prepare, worker_run
from calsreg.accounts.models import Project, User
from calsreg.accounts.services import project_register, project_start_use
from calsreg.accounts.services.membership import project_user_add
from calsreg.accounts.services.suspension import project_reinstate, project_suspend
from calsreg.applications.models import Application
from calsreg.applications.states import Status
from calsreg.core import clock
from calsreg.events.models import Event
from calsreg.events.selectors import events_after
from calsreg.events.services import subscriber_create
from calsreg.events.signing import EVENT_ID_HEADER
from calsreg.records.services import Actor
from calsreg.sso.services import relying_party_register
from config.urls import urlpatterns as site_urlpatterns

LOGIN_BACKEND = "calsreg.accounts.backends.AccountBackend"
REDIRECT_URI = "https://share.example.jp/oidc/callback"
SCOPE = "openid profile email cals_projects"
PLAIN_URL = "/bench/plain/"
RECEIVER_HOST = "127.0.0.1"
ACTOR = Actor.system("bench-sso")
OPERATIONS = (
    ("round_trip_public", "round trip, public party (authorize → token → userinfo)"),
    ("round_trip_confidential", "round trip, confidential party"),
    ("code_exchange_public", "code exchange, public party"),
    ("code_exchange_confidential", "code exchange, confidential party"),
    ("refresh_public", "refresh grant, public party"),
    ("refresh_confidential", "refresh grant, confidential party"),
)
Say = Callable[[str], None]


def plain_view(request: HttpRequest) -> HttpResponse:
    """The baseline: what every signed-in request costs before a view does anything."""
    return HttpResponse("yes" if request.user.is_authenticated else "no", content_type="text/plain")


# The site's own URLs plus the plain view (``override_settings(ROOT_URLCONF="bench.sso")``).
urlpatterns = [path(PLAIN_URL.strip("/") + "/", plain_view), *site_urlpatterns]


# --- statistics -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """Median, quartiles and range of a sample."""

    median: float
    q1: float
    q3: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        if len(values) == 1:
            q1 = q3 = values[0]
        else:
            q1, _q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
        return cls(statistics.median(values), q1, q3, min(values), max(values), len(values))

    def text(self, unit: str = "", digits: int = 1) -> str:
        f = f"{{:.{digits}f}}"
        return (
            f"{f.format(self.median)}{unit} (IQR {f.format(self.q1)}–{f.format(self.q3)}, "
            f"{f.format(self.min)}–{f.format(self.max)})"
        )

    def as_dict(self) -> dict[str, float]:
        return {key: round(value, 3) for key, value in asdict(self).items()}


def _cpu_and_wall_ms(action: Callable[[], Any]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


# --- the relying party's side of the flow -----------------------------------------------------------


@dataclass
class Party:
    client_id: str
    secret: str | None  # None: a public party

    def auth(self) -> dict[str, str]:
        if self.secret is None:
            return {}
        basic = base64.b64encode(f"{self.client_id}:{self.secret}".encode("ascii")).decode("ascii")
        return {"HTTP_AUTHORIZATION": f"Basic {basic}"}


def party_register(*, name: str, confidential: bool, backchannel_logout_uri: str = "") -> Party:
    registered = relying_party_register(
        name=name,
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[],
        confidential=confidential,
        first_party=True,
        backchannel_logout_uri=backchannel_logout_uri,
        actor=ACTOR,
    )
    return Party(client_id=registered.application.client_id, secret=registered.secret)


def browser_for(user: User) -> Client:
    browser = Client()
    browser.force_login(user, backend=LOGIN_BACKEND)
    return browser


def authorize(browser: Client, party: Party) -> tuple[str, str]:
    """The authorization request of a signed-in browser: (code, verifier)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": party.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPE,
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": challenge.decode("ascii"),
            "code_challenge_method": "S256",
        }
    )
    response = browser.get(f"/oidc/authorize/?{query}")
    location = response.headers.get("Location", "")
    if response.status_code != 302 or not location.startswith(REDIRECT_URI + "?"):
        raise BenchFailed(f"authorize answered {response.status_code} {location[:200]}")
    return parse_qs(urlsplit(location).query)["code"][0], verifier


def token(rp: Client, party: Party, data: dict[str, str]) -> dict[str, Any]:
    response = rp.post("/oidc/token/", {**data, "client_id": party.client_id}, **party.auth())
    if response.status_code != 200:
        raise BenchFailed(
            f"token ({data['grant_type']}) answered {response.status_code}: {response.content!r}"
        )
    return dict(response.json())


def code_exchange(rp: Client, party: Party, *, code: str, verifier: str) -> dict[str, Any]:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    return token(rp, party, {**data, "code_verifier": verifier})


def userinfo(rp: Client, access_token: str) -> dict[str, Any]:
    response = rp.get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    if response.status_code != 200:
        raise BenchFailed(f"userinfo answered {response.status_code}")
    return dict(response.json())


def round_trip(browser: Client, rp: Client, party: Party) -> dict[str, Any]:
    """authorize → token → userinfo; the tokens."""
    code, verifier = authorize(browser, party)
    tokens = code_exchange(rp, party, code=code, verifier=verifier)
    if not userinfo(rp, tokens["access_token"]).get("cals_projects"):
        raise BenchFailed("userinfo lists no project")
    return tokens


# --- the people -----------------------------------------------------------------------------------


def started_project(*, number: int, users: int) -> tuple[Project, list[User]]:
    """A project in use with ``users`` contractor accounts (five from the application, the rest added
    by the desk), their mails sent, each past the forced change of the initial password."""
    setting = setting_prepare(supervisors=1)
    application = application_submitted(number=number, supervisor=setting.supervisors[0])
    # Confirmed directly: the confirmation is the registration benchmark's subject, not this one's.
    Application.objects.filter(pk=application.pk).update(status=Status.CONFIRMED)
    project = project_register(application=application, actor=setting.desk)
    project_start_use(project=project, actor=setting.desk)
    for index in range(users - project.memberships.count()):
        person = {
            "role": "engineer",
            "name": f"技術 {index + 6}郎",
            "kana": "ギジュツ ロウ",
            "email": f"engineer{index + 6}@ecg{number}.example.co.jp",
            "phone": f"090-{1000 + number % 9000:04d}-{7000 + index:04d}",
            "requested_id": f"engineer{index + 6}",
        }
        project_user_add(project=project, person=person, actor=setting.desk)
    worker_run()  # the ID, password and start-of-use mails: setup, not measured
    members = list(User.objects.filter(memberships__project=project).order_by("pk"))
    # As if each had changed the initial password at the first sign-in (the provider would send
    # them to the change first, like a required action).
    User.objects.filter(pk__in=[u.pk for u in members]).update(must_change_password=False)
    for member in members:
        member.refresh_from_db()
    return project, members


# --- (a) and (b) ----------------------------------------------------------------------------------


@dataclass
class TokenResults:
    repeat: int
    plain_cpu_ms: Spread
    cpu_ms: dict[str, Spread]
    wall_ms: dict[str, Spread]
    ratio: dict[str, Spread]  # each sample's CPU time over the plain view's just before it
    per_cpu_second: dict[str, float]  # samples / their total CPU time

    def as_dict(self) -> dict[str, Any]:
        return {
            "repeat": self.repeat,
            "plain_cpu_ms": self.plain_cpu_ms.as_dict(),
            "operations": {
                key: {
                    "label": label,
                    "cpu_ms": self.cpu_ms[key].as_dict(),
                    "wall_ms": self.wall_ms[key].as_dict(),
                    "ratio_to_plain": self.ratio[key].as_dict(),
                    "per_cpu_second": round(self.per_cpu_second[key], 1),
                }
                for key, label in OPERATIONS
            },
            "plain_per_cpu_second": round(self.per_cpu_second["plain"], 1),
        }


def token_benchmark(*, repeat: int, number: int = 900_001) -> TokenResults:
    """(a) and (b), interleaved: in each of ``repeat`` rounds every operation once, each right after
    a plain request; one untimed round first (warm-up)."""
    _project, members = started_project(number=number, users=5)
    public = party_register(name="ベンチ（公開クライアント）", confidential=False)
    confidential = party_register(name="ベンチ（コンフィデンシャル）", confidential=True)
    browser, rp = browser_for(members[0]), Client()
    refresh = {
        "public": round_trip(browser, rp, public)["refresh_token"],
        "confidential": round_trip(browser, rp, confidential)["refresh_token"],
    }

    def refreshed(kind: str, party: Party) -> None:
        refresh[kind] = token(rp, party, {"grant_type": "refresh_token", "refresh_token": refresh[kind]})[
            "refresh_token"
        ]

    def exchanged(party: Party) -> Callable[[], Any]:
        code, verifier = authorize(browser, party)  # before the timing starts
        return lambda: code_exchange(rp, party, code=code, verifier=verifier)

    operations: dict[str, Callable[[], Callable[[], Any]]] = {
        "round_trip_public": lambda: lambda: round_trip(browser, rp, public),
        "round_trip_confidential": lambda: lambda: round_trip(browser, rp, confidential),
        "code_exchange_public": lambda: exchanged(public),
        "code_exchange_confidential": lambda: exchanged(confidential),
        "refresh_public": lambda: lambda: refreshed("public", public),
        "refresh_confidential": lambda: lambda: refreshed("confidential", confidential),
    }
    plain: list[float] = []
    cpu: dict[str, list[float]] = {key: [] for key, _label in OPERATIONS}
    wall: dict[str, list[float]] = {key: [] for key, _label in OPERATIONS}
    ratio: dict[str, list[float]] = {key: [] for key, _label in OPERATIONS}
    for round_number in range(repeat + 1):
        for key, _label in OPERATIONS:
            action = operations[key]()
            plain_cpu, _plain_wall = _cpu_and_wall_ms(lambda: _plain(browser))
            op_cpu, op_wall = _cpu_and_wall_ms(action)
            if round_number == 0:
                continue  # warm-up
            plain.append(plain_cpu)
            cpu[key].append(op_cpu)
            wall[key].append(op_wall)
            ratio[key].append(op_cpu / plain_cpu if plain_cpu > 0 else float("nan"))
    rates = {key: 1000 * len(values) / sum(values) for key, values in cpu.items()}
    return TokenResults(
        repeat=repeat,
        plain_cpu_ms=Spread.of(plain),
        cpu_ms={key: Spread.of(values) for key, values in cpu.items()},
        wall_ms={key: Spread.of(values) for key, values in wall.items()},
        ratio={key: Spread.of(values) for key, values in ratio.items()},
        per_cpu_second={**rates, "plain": 1000 * len(plain) / sum(plain)},
    )


def _plain(browser: Client) -> None:
    response = browser.get(PLAIN_URL)
    if response.status_code != 200 or response.content != b"yes":
        raise BenchFailed(f"the plain view answered {response.status_code} {response.content[:80]!r}")


# --- (c) fan-out ----------------------------------------------------------------------------------


@dataclass
class Receiver:
    """The relying parties' endpoints: ``/webhook/<n>`` and ``/logout/<n>``; records each POST,
    answers 204."""

    port: int = 0
    webhooks: list[tuple[str, str]] = field(default_factory=list)  # (path, event id)
    logouts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (path, token claims)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://{RECEIVER_HOST}:{self.port}{path}"

    def clear(self) -> None:
        with self._lock:
            self.webhooks.clear()
            self.logouts.clear()

    def record(self, path: str, headers: Any, body: bytes) -> None:
        with self._lock:
            if path.startswith("/webhook/"):
                self.webhooks.append((path, headers.get(EVENT_ID_HEADER, "")))
            elif path.startswith("/logout/"):
                token = parse_qs(body.decode("ascii"))["logout_token"][0]
                self.logouts.append((path, _unverified_claims(token)))

    def counts(self) -> tuple[int, int]:
        with self._lock:
            return len(self.webhooks), len(self.logouts)


def _unverified_claims(token: str) -> dict[str, Any]:
    """The token's claims, to count who was signed out where (the tests verify the signature)."""
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@contextmanager
def receiver_running() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.record(self.path, self.headers, body)  # before answering: the worker then knows
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((RECEIVER_HOST, 0), Handler)
    server.daemon_threads = True
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class FanoutRound:
    events: int
    webhooks: int
    logouts: int
    worker_runs: int
    cpu_ms: float
    wall_ms: float


@dataclass
class FanoutResults:
    users: int
    parties: int
    rounds: list[FanoutRound]
    sign_in_seconds: float  # the untimed round trips that make the sessions, all rounds

    def as_dict(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "parties": self.parties,
            "sign_in_seconds": round(self.sign_in_seconds, 2),
            "rounds": [
                {
                    key: round(value, 1) if isinstance(value, float) else value
                    for key, value in asdict(r).items()
                }
                for r in self.rounds
            ],
            "cpu_ms": Spread.of([r.cpu_ms for r in self.rounds]).as_dict(),
            "wall_ms": Spread.of([r.wall_ms for r in self.rounds]).as_dict(),
        }


def fanout_benchmark(
    *, users: int, parties: int, rounds: int, number: int = 900_002, progress: Say = lambda message: None
) -> FanoutResults:
    with receiver_running() as receiver:
        project, members = started_project(number=number, users=users)
        party_list = []
        for n in range(1, parties + 1):
            party = party_register(
                name=f"ベンチ連携先{n}",
                confidential=True,
                backchannel_logout_uri=receiver.url(f"/logout/{n}"),
            )
            subscriber_create(
                name=f"ベンチ連携先{n}",
                webhook_url=receiver.url(f"/webhook/{n}"),
                client_id=party.client_id,
                actor=ACTOR,
            )
            party_list.append(party)
        results = FanoutResults(users=users, parties=parties, rounds=[], sign_in_seconds=0.0)
        for index in range(rounds):
            started = time.perf_counter()
            _everyone_signs_in(members, party_list)
            results.sign_in_seconds += time.perf_counter() - started
            worker_run()
            receiver.clear()
            progress(f"(c) fan-out {index + 1}/{rounds}: suspending {users} people × {parties} parties …")
            results.rounds.append(
                _suspension_round(project=project, receiver=receiver, users=users, parties=parties)
            )
            _reinstate(project)
            worker_run()  # the reinstatement's webhooks
    return results


def _everyone_signs_in(members: list[User], parties: list[Party]) -> None:
    rp = Client()
    for member in members:
        browser = browser_for(member)
        for party in parties:
            round_trip(browser, rp, party)


def _suspension_round(*, project: Project, receiver: Receiver, users: int, parties: int) -> FanoutRound:
    cursor = Event.objects.aggregate(last=Max("pk"))["last"] or 0
    expected_logouts = users * parties
    runs = 0

    def suspend_and_deliver() -> None:
        nonlocal runs
        project_suspend(
            project=project,
            actor=ACTOR,
            at=clock.now(),
            summary=gettext_noop("ベンチマークで利用を停止しました。"),
            summary_params={},
            data={},
        )
        # Until every logout and every webhook is in (the back-channel task writes the logout
        # deliveries first, so one batch may end before they are ready).
        while True:
            worker_run()
            runs += 1
            webhooks, logouts = receiver.counts()
            events = len(events_after(after=cursor, limit=1000).items)
            if (logouts >= expected_logouts and webhooks >= events * parties) or runs >= 5:
                return

    cpu_ms, wall_ms = _cpu_and_wall_ms(suspend_and_deliver)
    worker_run()  # again: nothing may be sent twice
    events = events_after(after=cursor, limit=1000).items
    _exactly_once(receiver, events=len(events), users=users, parties=parties)
    webhooks, logouts = receiver.counts()
    return FanoutRound(
        events=len(events),
        webhooks=webhooks,
        logouts=logouts,
        worker_runs=runs,
        cpu_ms=cpu_ms,
        wall_ms=wall_ms,
    )


def _exactly_once(receiver: Receiver, *, events: int, users: int, parties: int) -> None:
    webhook_keys = set(receiver.webhooks)
    logout_keys = {(path, claims["aud"], claims["sub"]) for path, claims in receiver.logouts}
    jtis = {claims["jti"] for _path, claims in receiver.logouts}
    if (
        len(receiver.logouts) != users * parties
        or len(logout_keys) != users * parties
        or len(jtis) != users * parties
    ):
        raise BenchFailed(
            f"expected {users * parties} logout tokens, one per person and party; got {len(receiver.logouts)} "
            f"({len(logout_keys)} distinct)"
        )
    if len(receiver.webhooks) != events * parties or len(webhook_keys) != events * parties:
        raise BenchFailed(
            f"expected {events * parties} webhooks ({events} events × {parties} parties); got "
            f"{len(receiver.webhooks)} ({len(webhook_keys)} distinct)"
        )


def _reinstate(project: Project) -> None:
    project_reinstate(
        project=project,
        actor=ACTOR,
        at=clock.now(),
        summary=gettext_noop("ベンチマークで利用を再開しました。"),
        summary_params={},
        data={},
    )


# --- both -----------------------------------------------------------------------------------------


@dataclass
class SsoResults:
    tokens: TokenResults
    fanout: FanoutResults


@contextmanager
def sso_settings() -> Iterator[None]:
    """The plain view's URL, mail kept in memory (the credential mails of the setup), and plain-http
    webhooks to the receiver on this machine."""
    with override_settings(
        ROOT_URLCONF="bench.sso",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK=True,
    ):
        yield


def sso_benchmark(
    *, repeat: int, users: int, parties: int, rounds: int, progress: Say = lambda message: None
) -> SsoResults:
    with sso_settings():
        progress(f"(a)+(b) round trips and token grants: 1 warm-up + {repeat} interleaved rounds …")
        tokens = token_benchmark(repeat=repeat)
        fanout = fanout_benchmark(users=users, parties=parties, rounds=rounds, progress=progress)
    return SsoResults(tokens=tokens, fanout=fanout)


def results_text(results: SsoResults, *, database: str) -> str:
    tokens, fanout = results.tokens, results.fanout
    lines = [
        f"single sign-on benchmark — {database}",
        "",
        f"(a)+(b) process CPU time, {tokens.repeat} interleaved samples each; median (IQR, min–max)",
        f"    plain view (signed-in session, no work): {tokens.plain_cpu_ms.text(' ms', 2)}"
        f"  → {tokens.per_cpu_second['plain']:.0f}/CPU-s",
    ]
    width = max(len(label) for _key, label in OPERATIONS)
    for key, label in OPERATIONS:
        lines.append(
            f"    {label.ljust(width)}  {tokens.cpu_ms[key].text(' ms')}  ×{tokens.ratio[key].text('', 1)}"
            f" of plain  → {tokens.per_cpu_second[key]:.1f}/CPU-s  (wall median {tokens.wall_ms[key].median:.1f} ms)"
        )
    cpu = Spread.of([r.cpu_ms for r in fanout.rounds])
    wall = Spread.of([r.wall_ms for r in fanout.rounds])
    first = fanout.rounds[0]
    lines += [
        "",
        f"(c) suspension of a project with {fanout.users} signed-in people at {fanout.parties} parties, "
        f"{len(fanout.rounds)} rounds:",
        f"    delivered exactly once each round: {first.logouts} logout tokens, {first.webhooks} webhooks "
        f"({first.events} events × {fanout.parties} parties)",
        f"    suspend → all delivered: CPU {cpu.text(' ms', 0)}, wall {wall.text(' ms', 0)}",
        f"    (sessions made by {fanout.users * fanout.parties * len(fanout.rounds)} untimed round trips: "
        f"{fanout.sign_in_seconds:.1f} s)",
    ]
    return "\n".join(lines)
