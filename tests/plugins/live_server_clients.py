"""HTTP clients of the live server end with their test.

A ``requests`` session keeps its connection to the live server open (keep-alive), so the server's
request thread outlives the test and then touches a database connection the next test no longer
shares with it ("DatabaseWrapper objects created in a thread can only be used in that same
thread"). Every session a test opens is closed when it ends, and the server's request threads are
given half a second to finish (most end at once; a lingering one costs a test no more) before the
database is handed to the next test.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

REQUEST_THREAD = "process_request_thread"


@pytest.fixture(autouse=True)
def _live_server_clients_closed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    try:
        import requests
    except ImportError:  # pragma: no cover - requests is a dependency
        yield
        return
    opened: list[requests.Session] = []
    original_init = requests.Session.__init__

    def tracked_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(requests.Session, "__init__", tracked_init)
    yield
    for session in opened:
        session.close()
    for thread in threading.enumerate():
        if REQUEST_THREAD in thread.name and thread is not threading.current_thread():
            thread.join(timeout=0.5)
