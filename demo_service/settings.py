"""Settings of the demo service: its own database, session cookie and templates (not calsreg's)."""

from __future__ import annotations

import hashlib
import os
from urllib.parse import urlsplit

from demo_service.config import BASE_DIR, load

CONFIG = load()

DEBUG = False
# The session is signed with a key derived from the client secret: both stay on this machine, and a
# new registration (a new secret) simply signs everyone out.
SECRET_KEY = hashlib.sha256(f"demo-service:{CONFIG.client_secret}".encode()).hexdigest()
ALLOWED_HOSTS = [urlsplit(CONFIG.base_url).hostname or "127.0.0.1", "localhost", "127.0.0.1"]

INSTALLED_APPS = ["django.contrib.sessions", "demo_service"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "demo_service.views.content_security_policy",
]
ROOT_URLCONF = "demo_service.urls"
WSGI_APPLICATION = "demo_service.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_SERVICE_DATABASE", "") or BASE_DIR / "var" / "demo-service.sqlite3",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Tokyo"
LANGUAGE_CODE = "ja"
USE_I18N = False

# calsreg and this service share the host (other port): browsers share cookies across ports, so
# this service's cookies need names of their own.
SESSION_COOKIE_NAME = "demo_service_session"
CSRF_COOKIE_NAME = "demo_service_csrftoken"
SESSION_COOKIE_SAMESITE = "Lax"  # the callback is a top-level GET from calsreg
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = CONFIG.base_url.startswith("https://")
SESSION_COOKIE_AGE = 8 * 3600

# authlib refuses a token endpoint without TLS; the demo's calsreg is plain http on this machine.
if urlsplit(CONFIG.issuer).hostname in {"127.0.0.1", "localhost", "::1"}:
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
