"""The demo service in a process of its own, registered at the live server as `make demo` does."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from calsreg.demo.service import load_demo_service
from calsreg.events.models import Subscriber
from calsreg.events.tasks import webhooks_send
from tests.events.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DemoService:
    directory: Path
    issuer: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> dict[str, str]:
        return json.loads((self.directory / "demo-service.json").read_text(encoding="utf-8"))

    def env(self, database: str = "demo-service.sqlite3") -> dict[str, str]:
        return {
            **os.environ,
            "DEMO_SERVICE_CONFIG": str(self.directory / "demo-service.json"),
            "DEMO_SERVICE_DATABASE": str(self.directory / database),
            "AUTHLIB_INSECURE_TRANSPORT": "1",
        }

    def register(self) -> None:
        load_demo_service(service_url=self.url, issuer=self.issuer, path=self.directory / "demo-service.json")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.demo_service.serve", str(time.time()), str(self.port)],
            cwd=ROOT,
            env=self.env(),
        )
        for _ in range(150):
            try:
                requests.get(self.url + "/", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("the demo service did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def catch_up(self, *, database: str = "demo-service.sqlite3") -> str:
        """``python -m demo_service catch_up`` (after ``migrate``, for a database made just now)."""
        self.manage("migrate", "--verbosity", "0", database=database)
        return self.manage("catch_up", database=database)

    def manage(self, *args: str, database: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "demo_service", *args],
            cwd=ROOT,
            env=self.env(database),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def rows(self, query: str, *, database: str = "demo-service.sqlite3") -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.directory / database) as connection:
            return list(connection.execute(query))

    def mirror(self, *, database: str = "demo-service.sqlite3") -> dict[str, list[tuple[Any, ...]]]:
        return {
            "projects": self.rows(
                "SELECT number, name, office, state, service_start, service_end FROM demo_service_project"
                " ORDER BY number",
                database=database,
            ),
            "accounts": self.rows(
                "SELECT sub, account_id, name, email, state FROM demo_service_account ORDER BY sub",
                database=database,
            ),
            "memberships": self.rows(
                "SELECT p.number, a.account_id, m.role FROM demo_service_membership m"
                " JOIN demo_service_project p ON p.id = m.project_id"
                " JOIN demo_service_account a ON a.id = m.account_id ORDER BY 1, 2",
                database=database,
            ),
        }


def webhooks_deliver() -> int:
    """Do what the worker does: send every pending webhook of every subscriber, in order."""
    return sum(webhooks_send(subscriber_id=pk) for pk in Subscriber.objects.values_list("pk", flat=True))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def sign_in(
    service: DemoService, *, username: str, password: str, browser: requests.Session | None = None
) -> requests.Response:
    """A person at the demo service: "calsregでログイン", the my-page login, back to the service."""
    browser = browser or requests.Session()
    home = browser.get(service.url + "/", timeout=10)
    login_page = browser.post(
        service.url + "/login/", data={"csrfmiddlewaretoken": csrf_of(home.text)}, timeout=10
    )
    assert urlsplit(login_page.url).path == "/mypage/login/", login_page.url
    return browser.post(
        urljoin(login_page.url, "/mypage/login/"),
        data={
            "username": username,
            "password": password,
            "next": parse_qs(urlsplit(login_page.url).query)["next"][0],
            "csrfmiddlewaretoken": csrf_of(login_page.text),
        },
        timeout=20,
    )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
