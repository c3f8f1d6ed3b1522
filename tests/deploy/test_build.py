"""The production build, server and service files (docs/deploy.md).

No container runtime runs where the suite runs, so the image's build steps are proved another way:
the Dockerfile's build stage runs deploy/build.sh, and this suite runs that same script into a
temporary folder, then serves from the result with gunicorn (config/gunicorn.conf.py, debug off) and
fetches a page, a static file and the liveness endpoint over real HTTP. The systemd units are checked
by ``systemd-analyze verify`` against that build, compose.yaml by its structure.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
UNIT_FILES = sorted((ROOT / "deploy" / "systemd").glob("calsreg-*.*"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    prefix = tmp_path_factory.mktemp("build") / "calsreg"
    result = subprocess.run(
        ["bash", str(ROOT / "deploy" / "build.sh"), str(prefix)],
        capture_output=True,
        text=True,
        timeout=600,
        env=_clean_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return prefix


@pytest.mark.slow
def test_the_built_app_serves_a_page_a_compressed_static_file_and_liveness_under_gunicorn(built, tmp_path):
    # given: the build, a fresh SQLite database migrated with the build's own interpreter
    port = _free_port()
    env = _clean_env(
        CALSREG_DEBUG="0",
        CALSREG_SECRET_KEY="deploy-test-" + "k" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CALSREG_MEDIA_ROOT=str(tmp_path / "media"),
        CALSREG_STATIC_COLLECTED="1",
        CALSREG_BIND=f"127.0.0.1:{port}",
        CALSREG_WEB_WORKERS="1",
        CALSREG_WEB_THREADS="2",
    )
    app = built / "app"
    migrate = subprocess.run(
        [str(built / "venv" / "bin" / "python"), "manage.py", "migrate", "--noinput", "-v0"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(built / "venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.conf.py"],
            cwd=app,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base, server, log)

        # when
        page = requests.get(f"{base}/", timeout=10)
        css = requests.get(f"{base}/static/css/calsreg.css", headers={"Accept-Encoding": "gzip"}, timeout=10)
        raw_css = requests.get(
            f"{base}/static/css/calsreg.css", stream=True, timeout=10, headers={"Accept-Encoding": "gzip"}
        )
        live = requests.get(f"{base}/health/live", timeout=10)

        # then
        assert page.status_code == 200
        assert page.headers["Server"] == "gunicorn"
        assert "Content-Security-Policy" in page.headers
        assert css.status_code == 200
        assert css.headers["Content-Encoding"] == "gzip"  # collectstatic's compressed copy
        assert css.content == (ROOT / "static" / "css" / "calsreg.css").read_bytes()
        assert gzip.decompress(raw_css.raw.read()) == css.content
        assert live.status_code == 200
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=40) == 0, log.read_text()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify_against_the_build(built, tmp_path):
    # given: the units as installed, with /opt/calsreg pointing at the build
    for unit in UNIT_FILES:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/calsreg", str(built)))

    # when
    result = subprocess.run(
        ["systemd-analyze", "verify", *[str(tmp_path / unit.name) for unit in UNIT_FILES]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    # then
    assert [unit.name for unit in UNIT_FILES] == [
        "calsreg-backup.service",
        "calsreg-backup.timer",
        "calsreg-web.service",
        "calsreg-worker.service",
    ]
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_every_long_running_unit_restarts_and_runs_hardened():
    for name in ("calsreg-web.service", "calsreg-worker.service"):
        text = (ROOT / "deploy" / "systemd" / name).read_text()
        for line in (
            "Restart=always",
            "NoNewPrivileges=true",
            "ProtectSystem=strict",
            "PrivateTmp=true",
            "ReadWritePaths=/var/lib/calsreg",
            "User=calsreg",
            "EnvironmentFile=/etc/calsreg/calsreg.env",
        ):
            assert line in text.splitlines(), f"{name}: {line}"


def test_the_compose_file_runs_database_migration_web_worker_and_mail_catcher():
    compose = _yaml_subset((ROOT / "compose.yaml").read_text())
    services = compose["services"]

    assert sorted(services) == ["db", "mail", "migrate", "web", "worker"]
    assert services["db"]["image"] == "postgres:15"
    assert "healthcheck" in services["db"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        assert services[name]["<<"] == "*app"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert [services[name]["command"] for name in ("migrate", "web", "worker")] == [
        '["migrate"]',
        '["web"]',
        '["worker"]',
    ]
    assert compose["x-app"]["volumes"] == ["media:/opt/calsreg/app/var/media"]
    assert compose["x-app"]["env_file"] == ".env"
    assert sorted(compose["volumes"]) == ["media", "pgdata"]
    assert services["mail"]["image"].startswith("axllent/mailpit")


def test_the_image_builds_with_the_tested_script_and_runs_as_an_unprivileged_user():
    dockerfile = (ROOT / "Dockerfile").read_text().splitlines()
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()

    assert "RUN deploy/build.sh /opt/calsreg" in dockerfile
    assert "USER calsreg" in dockerfile
    assert any(line.startswith("HEALTHCHECK") for line in dockerfile)
    assert [case for case in ("web)", "worker)", "migrate)") if case in entrypoint] == [
        "web)",
        "worker)",
        "migrate)",
    ]


def test_serve_stops_the_workers_and_fails_when_the_web_server_dies(tmp_path):
    # given: a stand-in interpreter whose web server dies after a moment while the worker keeps running
    fake = _fake_python(tmp_path, web="sleep 0.5; exit 3")

    # when
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "serve.sh"), str(fake)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )

    # then
    assert result.returncode == 3
    assert "the web server exited" in result.stderr
    assert _wait_file(tmp_path / "worker.stopped")


def test_serve_stops_web_and_workers_on_sigterm(tmp_path):
    # given
    fake = _fake_python(tmp_path, web="sleep 60")
    serve = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "serve.sh"), str(fake)], cwd=tmp_path, stderr=subprocess.PIPE
    )
    assert _wait_file(tmp_path / "web.started") and _wait_file(tmp_path / "worker.started")

    # when
    serve.send_signal(signal.SIGTERM)

    # then
    assert serve.wait(timeout=20) == 0
    assert _wait_file(tmp_path / "web.stopped")
    assert _wait_file(tmp_path / "worker.stopped")


def _fake_python(folder: Path, *, web: str) -> Path:
    """A script standing in for ``python``: ``-m gunicorn`` runs ``web``, ``manage.py …`` sleeps; each
    notes when it started and when it was stopped by a signal."""
    fake = folder / "fake-python"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1" = "-m" ]; then name=web; else name=worker; fi\n'
        "trap 'kill $child 2>/dev/null; touch $name.stopped; exit 0' TERM\n"
        "touch $name.started\n"
        f'if [ "$name" = web ]; then ({web}) & else sleep 60 & fi\n'
        "child=$!\n"
        "wait $child\n"
    )
    fake.chmod(0o755)
    return fake


def _wait_file(path: Path, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def _yaml_subset(text: str) -> dict:
    """The block mappings and lists of compose.yaml (PyYAML is not a dependency): ``key: value``,
    ``key:`` opening a block, ``- item``; comments and blank lines skipped; values kept as text."""
    root: dict = {}
    stack: list[tuple[int, dict | list]] = [(-1, root)]
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for index, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        body = line.strip()
        if body.startswith("- "):
            assert isinstance(parent, list), line
            parent.append(body[2:].strip().strip('"'))
            continue
        key, _, value = body.partition(":")
        key = key.strip().strip('"')
        value = re.sub(r"\s+&\S+$", "", value.strip())
        assert isinstance(parent, dict), line
        if value and not value.startswith("&"):
            parent[key] = value.strip('"') if not value.startswith("[") else value
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        child: dict | list = [] if following.strip().startswith("- ") else {}
        parent[key] = child
        stack.append((indent, child))
    return root


def _clean_env(**settings: str) -> dict[str, str]:
    """The parent's environment without the test run's settings: the child reads config.settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CALSREG_", "DJANGO_", "DATABASE_URL", "PYTEST_"))
    }
    env["PATH"] = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
    return {**env, **settings}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(base: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            requests.get(f"{base}/static/css/calsreg.css", timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer within {timeout} s:\n{log.read_text()}")
