"""The demo service's connection to calsreg, read once at start from a JSON file.

calsreg's demo data (``manage.py load_demo_data --service-url …``) registers the service and writes
this file (mode 0600) on the same machine: the issuer, the client ID and secret, the webhook signing
secret and the feed token. ``DEMO_SERVICE_CONFIG`` names another file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PATH = BASE_DIR / "var" / "demo-service.json"


@dataclass(frozen=True)
class Config:
    issuer: str  # calsreg's root address, e.g. http://127.0.0.1:8000
    base_url: str  # this service's root address, e.g. http://127.0.0.1:8001
    client_id: str
    client_secret: str
    signing_secret: str  # the webhooks' HMAC key (whsec_…)
    feed_token: str  # the pull feed's bearer token (cse_…)


def config_path() -> Path:
    return Path(os.environ.get("DEMO_SERVICE_CONFIG", "") or DEFAULT_PATH)


def load() -> Config:
    path = config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SystemExit(
            f"{path} is missing: run calsreg's `manage.py load_demo_data` (make demo) first"
        ) from error
    return Config(
        issuer=data["issuer"].rstrip("/"),
        base_url=data["base_url"].rstrip("/"),
        client_id=data["client_id"],
        client_secret=data["client_secret"],
        signing_secret=data["signing_secret"],
        feed_token=data["feed_token"],
    )
