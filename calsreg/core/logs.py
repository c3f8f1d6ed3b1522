"""Structured logs: every line names the request (or the background task) it belongs to.

``RequestIdMiddleware`` takes the caller's ``X-Request-ID`` when it is a plausible id (at most 64 of
``[A-Za-z0-9._-]``; anything else could smuggle text into log lines) or makes one, returns it on the
response, and keeps it in a context variable that ``RequestIdFilter`` copies onto every log record.
It also writes one access-log line per request and counts the request for the metrics. The access
line names the route pattern (``confirm/<str:receipt_number>/``), not the filled-in path, and never the
query string, a header or a body: no token, password or personal value reaches the logs through it.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

from calsreg.core import metrics

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
UNRESOLVED_PATH_MAX_CHARS = 200

access_logger = logging.getLogger("calsreg.access")


def request_id_from(header: str | None) -> str:
    """The caller's id if it is a plausible one, otherwise a new random one."""
    if header and _VALID_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            seconds = time.perf_counter() - started
            route_name = _route_name(request)
            metrics.request_observe(
                method=request.method or "", route=route_name, status=response.status_code, seconds=seconds
            )
            _access_log(request, response, seconds=seconds, route_name=route_name)
            return response
        finally:
            request_id_var.reset(token)


def _route_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None and match.view_name else "unresolved"


def _access_log(request: HttpRequest, response: HttpResponse, *, seconds: float, route_name: str) -> None:
    match = getattr(request, "resolver_match", None)
    path = (
        "/" + match.route if match is not None and match.route else request.path[:UNRESOLVED_PATH_MAX_CHARS]
    )
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    access_logger.info(
        "%s %s %s %.1f ms",
        request.method,
        path,
        response.status_code,
        seconds * 1000,
        extra={
            "http_method": request.method,
            "path": path,
            "route": route_name,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": user_id,
        },
    )


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the request's, the task's, or "-") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


# The attributes every LogRecord has: the rest were passed in ``extra`` and go into the JSON object.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the
    ``extra`` fields, and the traceback as text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_task_tokens: dict[str, object] = {}


def task_started_handler(sender: object, task_result: object, **kwargs: object) -> None:
    """A background task's log lines carry ``task-<its id>`` where a request's carry the request id."""
    task_id = str(getattr(task_result, "id", ""))
    _task_tokens[task_id] = request_id_var.set(f"task-{task_id}")


def task_finished_handler(sender: object, task_result: object, **kwargs: object) -> None:
    token = _task_tokens.pop(str(getattr(task_result, "id", "")), None)
    if token is not None:
        try:
            request_id_var.reset(token)  # type: ignore[arg-type]
        except ValueError:  # set in another context (a thread the backend used): nothing to restore
            request_id_var.set("-")
