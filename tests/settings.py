"""The test run's settings: the project's one settings module, with a signing key of the run's own.

config.settings refuses to start with debug off and no CALSREG_SECRET_KEY (and the OpenID Connect
provider has no signing key without CALSREG_OIDC_PRIVATE_KEY); pytest-django imports the
settings before any conftest, so the key is set here — a random one per run unless the environment
already has one.
"""

import os
import secrets

os.environ.setdefault("CALSREG_SECRET_KEY", f"test-run-{secrets.token_urlsafe(48)}")
if not os.environ.get("CALSREG_OIDC_PRIVATE_KEY"):
    # The OpenID Connect provider's signing key: one made for the run (never a committed key).
    from calsreg.sso.keys import rsa_private_key_pem

    os.environ["CALSREG_OIDC_PRIVATE_KEY"] = rsa_private_key_pem()

from config.settings import *  # noqa: F403

# A request handled by a live server's thread (browser and OpenID Connect tests) closes its database
# connection when it ends: a persistent one (CONN_MAX_AGE) would outlive the thread and keep PostgreSQL
# from dropping the test database at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
