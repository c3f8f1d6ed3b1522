"""The test run's settings: the project's one settings module, with a signing key of the run's own.

config.settings refuses to start with debug off and no CALSREG_SECRET_KEY; pytest-django imports the
settings before any conftest, so the key is set here — a random one per run unless the environment
already has one.
"""

import os
import secrets

os.environ.setdefault("CALSREG_SECRET_KEY", f"test-run-{secrets.token_urlsafe(48)}")

from config.settings import *  # noqa: F403
