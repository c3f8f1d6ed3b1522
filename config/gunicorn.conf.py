"""gunicorn's settings for calsreg (docs/deploy.md): `gunicorn -c config/gunicorn.conf.py`.

Everything an operator tunes comes from the environment, like the app's own settings.
"""

from __future__ import annotations

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "config.wsgi:application"
bind = [address.strip() for address in os.environ.get("CALSREG_BIND", "127.0.0.1:8000").split(",")]

# Threads, not more processes: a request mostly waits for PostgreSQL, and each process costs ~100 MB.
# 2 × cores + 1 processes, capped so a large machine does not open more database connections than
# PostgreSQL's default max_connections (processes × threads, each keeping one for CONN_MAX_AGE).
workers = _int("CALSREG_WEB_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 8))
worker_class = "gthread"
threads = _int("CALSREG_WEB_THREADS", 4)
# A request longer than this (the biggest upload on a slow line included) is killed; long work runs
# in the task worker, never in a request.
timeout = _int("CALSREG_WEB_TIMEOUT_SECONDS", 60)
# On SIGTERM, requests under way get this long to finish before the process exits.
graceful_timeout = _int("CALSREG_WEB_GRACEFUL_SECONDS", 30)
keepalive = 5
# Recycle each process after about this many requests (jittered so they do not all restart at once):
# a slow leak in a library never grows without bound.
max_requests = _int("CALSREG_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max(max_requests // 10, 0)
# No preload: each process imports the app itself, so a recycled process or `kill -HUP` (reload after
# an upgrade) runs the new code, and no database connection is ever shared across a fork.
preload_app = False

# The app logs its own line per request (with the request id); gunicorn's access log only on demand
# ("-" for standard output).
accesslog = os.environ.get("CALSREG_WEB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("CALSREG_LOG_LEVEL", "info").lower()
proc_name = "calsreg-web"
# X-Forwarded-Proto/-For are believed from these addresses only (the reverse proxy); the app reads
# X-Forwarded-For itself from CALSREG_TRUSTED_PROXIES, so both default to the same list.
forwarded_allow_ips = (
    os.environ.get("CALSREG_FORWARDED_ALLOW_IPS")
    or os.environ.get("CALSREG_TRUSTED_PROXIES")
    or "127.0.0.1,::1"
)
# The heartbeat files in memory, not on a disk that may stall (containers' /tmp is an overlay);
# gunicorn creates them with mkstemp and unlinks them at once.
SHARED_MEMORY = "/dev/shm"  # noqa: S108
if Path(SHARED_MEMORY).is_dir():
    worker_tmp_dir = SHARED_MEMORY
# No control socket: it would be written under $HOME, which the service units keep read-only.
control_socket_disable = True
