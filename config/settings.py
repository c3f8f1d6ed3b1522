"""The one settings module. Every value comes from the environment (see .env.example)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from calsreg.mailbox import config as _mailbox_config
from calsreg.sso import keys as _oidc_keys

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


DEBUG = env_bool("CALSREG_DEBUG", False)
# Signs sessions, CSRF tokens and password-reset links. The key in this file is for a laptop with
# CALSREG_DEBUG=1 only: with debug off the app refuses to start without a key of its own, and
# `check --deploy` fails on a known one (calsreg/core/checks.py). `make` targets make a random key
# once per checkout in var/secret-key; the test run makes its own (tests/settings.py).
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me-in-production-0123456789"  # noqa: S105
KNOWN_INSECURE_SECRET_KEYS = frozenset({DEVELOPMENT_SECRET_KEY, "change-me-to-a-long-random-string"})
SECRET_KEY = env("CALSREG_SECRET_KEY").strip() or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY in KNOWN_INSECURE_SECRET_KEYS):
    raise ImproperlyConfigured(
        "CALSREG_SECRET_KEY must be set to a long random value of your own when CALSREG_DEBUG is off, e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))' (README: Settings)."
    )
ALLOWED_HOSTS = [h.strip() for h in env("CALSREG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")]
CSRF_TRUSTED_ORIGINS = [o for o in env("CALSREG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# The public address used in links inside mails (confirmation links, status page).
SITE_URL = env("CALSREG_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The information-sharing service's address: the start-of-use notice links there (empty: my page).
SERVICE_URL = env("CALSREG_SERVICE_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # django-ninja as an app so its Swagger UI is served from our static files (no CDN: offline).
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "calsreg.core",
    "calsreg.records",
    "calsreg.directory",
    "calsreg.notifications",
    "calsreg.events",
    "calsreg.accounts",
    "calsreg.applications",
    "calsreg.verification",
    "calsreg.billing",
    "calsreg.sso",
    "calsreg.changes",
    "calsreg.lifecycle",
    "calsreg.mailbox",
    "calsreg.portal",
    "calsreg.desk",
    "calsreg.api",
    "calsreg.jobs",
    "calsreg.demo",
]

MIDDLEWARE = [
    # The request's id (X-Request-ID) for every log line, one access-log line and the request metrics.
    "calsreg.core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # The sign-in and logout pages may hand over to a registered relying party (calsreg/sso).
    "calsreg.sso.middleware.RelyingPartyFormActionMiddleware",
    # A path holding a NUL or another refused character names nothing (before any query runs).
    "calsreg.core.middleware.RefusedPathCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out an account holder whose account stopped being usable (needs auth and messages).
    "calsreg.accounts.middleware.AccountStillUsableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite (WAL) is the embedded default; DATABASE_URL=postgres://… selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'calsreg.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        # A writer waits this long for another's transaction (a batch of a payment import) to end
        # instead of failing at once with "database is locked".
        "timeout": env_int("CALSREG_SQLITE_BUSY_TIMEOUT_SECONDS", 20),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that refuses accounts not usable yet / any more (before start of use, suspended…).
    "calsreg.accounts.backends.AccountBackend",
]
PASSWORD_HASHERS = [
    # argon2id at OWASP's parameters (docs/decisions/0005); Django's defaults re-hashed at sign-in.
    "calsreg.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Generated client secrets of relying parties only (calsreg/sso/hashers.py); never first.
    "calsreg.sso.hashers.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "desk:login"
# Login lockout (accounts/lockout.py). Wrong passwords lock the pair (ID, client address) quickly, so
# someone guessing from elsewhere cannot keep the holder out; never the address alone (a site office
# shares one). The ID alone is locked only after many wrong passwords from many addresses, briefly,
# the cool-off doubling with each new lock up to the maximum. A password reset lifts both.
AXES_FAILURE_LIMIT = env_int("CALSREG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("CALSREG_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_ID_FAILURE_LIMIT = env_int("CALSREG_LOGIN_ID_FAILURE_LIMIT", 50)
LOGIN_ID_COOLOFF_MINUTES = env_int("CALSREG_LOGIN_ID_COOLOFF_MINUTES", 5)
LOGIN_ID_COOLOFF_MAX_MINUTES = env_int("CALSREG_LOGIN_ID_COOLOFF_MAX_MINUTES", 60)
# Wrong passwords from one client address for any IDs per hour before every login from it is refused
# for the rest of the hour (password spraying); generous, as a site office shares one address.
LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = env_int("CALSREG_LOGIN_FAILURES_PER_ADDRESS_PER_HOUR", 100)
# Attempts refused by a lock neither count nor extend it: nobody can keep a lock going by trying.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "calsreg.accounts.lockout.client_ip"
AXES_HANDLER = "calsreg.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "calsreg.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("CALSREG_AXES_ENABLED", True)
AXES_LOCKOUT_TEMPLATE = "desk/lockout.html"

SESSION_COOKIE_HTTPONLY = True
# CALSREG_SECURE_COOKIES=1: the site is served over HTTPS only — secure cookies, HSTS and a redirect of
# plain HTTP to HTTPS. Behind a reverse proxy that ends TLS, Django sees plain HTTP: set
# CALSREG_PROXY_SSL_HEADER=1 only if that proxy sets X-Forwarded-Proto itself (replacing any value a
# client sent); otherwise anybody could claim HTTPS, and without it every request redirects forever.
SESSION_COOKIE_SECURE = env_bool("CALSREG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A refused POST explains itself in the portal's words and keeps what was typed.
CSRF_FAILURE_VIEW = "calsreg.portal.views.errors.csrf_failure"
SECURE_SSL_REDIRECT = env_bool("CALSREG_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = env_int("CALSREG_HSTS_SECONDS", 365 * 24 * 3600) if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
if env_bool("CALSREG_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Every page: scripts, styles and everything else from this site's own files only — no inline script,
# style or event handler (they live in static/), no framing, forms post here only (django-csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SESSION_COOKIE_AGE = env_int("CALSREG_SESSION_SECONDS", 8 * 3600)

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# WhiteNoise expects the collected-static folder to exist even before collectstatic has run.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("CALSREG_MEDIA_ROOT", str(BASE_DIR / "var" / "media"))},
    },
    # collectstatic also writes a gzip copy of each text file, which WhiteNoise serves to clients accepting it.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# A checkout serves static files straight from static/ and the apps (no collectstatic needed for tests
# or benchmarks). CALSREG_STATIC_COLLECTED=1 (the production server: scripts/serve.sh, the image, the
# service units) serves only what collectstatic wrote, with its compressed copies.
WHITENOISE_USE_FINDERS = not env_bool("CALSREG_STATIC_COLLECTED", False)
# Backups of PostgreSQL run pg_dump/pg_restore: from this folder, or found on PATH when empty. They
# must be of the server's major version or newer (docs/operations.md).
BACKUP_PG_BIN_DIR = env("CALSREG_PG_BIN_DIR", "")
# A kept file's "not committed yet" marker older than this belongs to a transaction that rolled back
# or a process that died: the maintenance sweep removes it, with its file if no row names it.
FILES_PENDING_MAX_AGE_SECONDS = env_int("CALSREG_FILES_PENDING_MAX_AGE_SECONDS", 3600)

# Mail. The demo writes every mail to the local outbox (readable in the desk);
# production sets CALSREG_EMAIL_BACKEND=smtp and the SMTP variables.
_EMAIL_BACKENDS = {
    "outbox": "calsreg.notifications.outbox.OutboxEmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
EMAIL_BACKEND = _EMAIL_BACKENDS.get(env("CALSREG_EMAIL_BACKEND", "outbox"), env("CALSREG_EMAIL_BACKEND"))
EMAIL_HOST = env("CALSREG_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CALSREG_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("CALSREG_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("CALSREG_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("CALSREG_EMAIL_USE_TLS", False)
# Connect/read timeout of one SMTP conversation: a hung server fails the attempt (and schedules a
# retry) instead of holding a worker.
EMAIL_TIMEOUT = env_int("CALSREG_EMAIL_TIMEOUT_SECONDS", 10)
DEFAULT_FROM_EMAIL = env("CALSREG_FROM_EMAIL", "新潟県CALSヘルプデスク <helpdesk@calsreg.example.jp>")
# Where operator copies and desk-facing notices go.
HELP_DESK_EMAIL = env("CALSREG_HELP_DESK_EMAIL", "helpdesk@calsreg.example.jp")
# Automatic replies to a sender whose mailed workbook was refused, at most this many a day.
MAILBOX_REPLIES_PER_SENDER_PER_DAY = env_int("CALSREG_MAILBOX_REPLIES_PER_SENDER_PER_DAY", 3)

# Background work: django-tasks with its database backend (enqueue = INSERT in the same transaction).
# Three queues so that no kind of work waits behind another (docs/ops/workers.md): "mail"
# (send_delivery), "outbound" (webhooks, back-channel logouts), "default" (billing runs, imports,
# daily jobs, everything else).
TASK_QUEUES = ("default", "mail", "outbound")
TASKS = {
    "default": {
        "BACKEND": env("CALSREG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": list(TASK_QUEUES),
    }
}
# Billing runs: a run whose process stopped writing its heartbeat for this long is resumed by the
# workers (at most this many times, then it ends failed and its month is free again).
BILLING_RUN_LEASE_SECONDS = env_int("CALSREG_BILLING_RUN_LEASE_SECONDS", 300)
BILLING_RUN_MAX_RESUMES = env_int("CALSREG_BILLING_RUN_MAX_RESUMES", 3)
# The task workers (calsreg/jobs/worker.py): how often each writes its heartbeat row and runs the
# maintenance entries (WORKER_MAINTENANCE), how long a silent worker's running task stays its own
# before another worker runs it again, and the pool `run_workers` starts: one worker per
# ";"-separated item, each a ","-separated list of queues.
WORKER_HEARTBEAT_SECONDS = env_int("CALSREG_WORKER_HEARTBEAT_SECONDS", 10)
WORKER_MAINTENANCE_SECONDS = env_int("CALSREG_WORKER_MAINTENANCE_SECONDS", 30)
WORKER_LEASE_SECONDS = env_int("CALSREG_WORKER_LEASE_SECONDS", 120)
WORKER_POOL = env("CALSREG_WORKER_POOL", "default;mail,outbound")
# Readiness (calsreg/jobs/health.py): red when no worker beat this recently, or a due task waited longer.
READY_WORKER_SILENT_SECONDS = env_int("CALSREG_READY_WORKER_SILENT_SECONDS", 60)
READY_QUEUE_AGE_MINUTES = env_int("CALSREG_READY_QUEUE_AGE_MINUTES", 15)
# The help desk's mailboxes read by `manage.py run_mailbox` (calsreg/mailbox/config.py, docs/ops/mailbox.md):
# CALSREG_MAILBOXES names them, CALSREG_MAILBOX_<NAME>_URL/_PASSWORD(_FILE)/_PROCESSED_FOLDER/_CA_FILE
# describe each. A problem is shown by the system check mailbox.E001, naming the variable.
_mailboxes = _mailbox_config.mailboxes_parse(os.environ)
MAILBOXES = _mailboxes.mailboxes
MAILBOX_SETTINGS_ERRORS = _mailboxes.errors
# One pass keeps at most MAILBOX_BATCH_MESSAGES new messages, fetched MAILBOX_BATCH_MESSAGES at a time and
# never more than MAILBOX_BATCH_BYTES in one fetch; a message over MAILBOX_MAX_MESSAGE_BYTES keeps only
# its header. Processing that raised is tried again on later passes, MAILBOX_MAX_ATTEMPTS times in all.
MAILBOX_BATCH_MESSAGES = env_int("CALSREG_MAILBOX_BATCH_MESSAGES", 50)
MAILBOX_BATCH_BYTES = env_int("CALSREG_MAILBOX_BATCH_BYTES", 50 * 1024 * 1024)
MAILBOX_MAX_MESSAGE_BYTES = env_int("CALSREG_MAILBOX_MAX_MESSAGE_BYTES", 25 * 1024 * 1024)
MAILBOX_MAX_ATTEMPTS = env_int("CALSREG_MAILBOX_MAX_ATTEMPTS", 5)
# Between passes: IMAP IDLE where the server offers it (re-issued every MAILBOX_IDLE_SECONDS, at most
# 29 minutes by RFC 2177), else a poll every MAILBOX_POLL_SECONDS. Readiness is red for a configured
# mailbox whose reader has not reported for READY_MAILBOX_SILENT_SECONDS.
MAILBOX_POLL_SECONDS = env_int("CALSREG_MAILBOX_POLL_SECONDS", 60)
MAILBOX_IDLE_SECONDS = env_int("CALSREG_MAILBOX_IDLE_SECONDS", 25 * 60)
MAILBOX_CONNECT_TIMEOUT_SECONDS = env_int("CALSREG_MAILBOX_CONNECT_TIMEOUT_SECONDS", 30)
READY_MAILBOX_SILENT_SECONDS = env_int("CALSREG_READY_MAILBOX_SILENT_SECONDS", 180)
# The daily jobs (scheduled starts of use, confirmation reminders, …) run at this hour, Japan time.
DAILY_JOBS_HOUR = env_int("CALSREG_DAILY_JOBS_HOUR", 6)
# Delivery retries (docs/ops/mail.md): a transient failure is retried for this many hours from the
# first attempt, the back-off doubling from the base up to the cap; a 5xx refusal fails at once.
MAIL_RETRY_HOURS = env_int("CALSREG_MAIL_RETRY_HOURS", 48)
MAIL_RETRY_BASE_SECONDS = env_int("CALSREG_MAIL_RETRY_BASE_SECONDS", 60)
MAIL_RETRY_MAX_SECONDS = env_int("CALSREG_MAIL_RETRY_MAX_SECONDS", 3600)
# A delivery left "sending" longer than this was left by a dead worker and is sent again (same
# Message-ID): well beyond the few SMTP round trips one message takes.
MAIL_SEND_LEASE_SECONDS = env_int("CALSREG_MAIL_SEND_LEASE_SECONDS", 3 * EMAIL_TIMEOUT + 60)
# Mails failed for a transient reason (server down, timeout, 4xx) this recently are sent again
# automatically once the mail server answers again.
MAIL_RECOVER_DAYS = env_int("CALSREG_MAIL_RECOVER_DAYS", 7)
# Lifecycle events' webhooks (docs/events.md): attempts per event, the first back-off (doubling, at
# most 6 hours), the request timeout, and whether plain http to this machine is allowed (development).
EVENTS_WEBHOOK_MAX_ATTEMPTS = env_int("CALSREG_EVENTS_WEBHOOK_MAX_ATTEMPTS", 12)
EVENTS_WEBHOOK_RETRY_BASE_SECONDS = env_int("CALSREG_EVENTS_WEBHOOK_RETRY_BASE_SECONDS", 30)
EVENTS_WEBHOOK_TIMEOUT_SECONDS = env_int("CALSREG_EVENTS_WEBHOOK_TIMEOUT_SECONDS", 10)
EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK = env_bool("CALSREG_EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK", DEBUG)
# After a signing-secret rotation the old secret still signs beside the new one this long (both
# signatures in the header), so a receiver can switch without rejecting a webhook in between.
EVENTS_SECRET_OVERLAP_SECONDS = env_int("CALSREG_EVENTS_SECRET_OVERLAP_SECONDS", 86400)
# The task (by dotted path: events sits below sso) enqueued with every event that ends sessions;
# it sends the back-channel logout tokens (docs/sso.md).
EVENTS_SESSION_END_TASK = "calsreg.sso.tasks.backchannel_logout_for_event"

# Uploads: what the portal and the desk accept as a filled workbook or a received mail.
UPLOAD_MAX_BYTES = env_int("CALSREG_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
# A workbook's parts, uncompressed, may not exceed this (zip-bomb guard).
UPLOAD_MAX_UNCOMPRESSED_BYTES = env_int("CALSREG_UPLOAD_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024

# How long the applicant's correction link (mailed when the desk returns an application) works.
CORRECTION_LINK_DAYS = env_int("CALSREG_CORRECTION_LINK_DAYS", 14)

# Orderer confirmation (seed step 3): how long the supervisor's link works, and after how many
# business days (holidays and the 12/29–1/3 closure excluded) an unanswered request comes back to
# the desk with a reminder to the supervisor.
CONFIRMATION_LINK_DAYS = env_int("CALSREG_CONFIRMATION_LINK_DAYS", 14)
CONFIRMATION_DUE_BUSINESS_DAYS = env_int("CALSREG_CONFIRMATION_DUE_BUSINESS_DAYS", 3)

# Days an initial password works if never changed (counted again from the start of use).
INITIAL_PASSWORD_DAYS = env_int("CALSREG_INITIAL_PASSWORD_DAYS", 14)
# How long a "forgot password" link works (Django's PASSWORD_RESET_TIMEOUT is in seconds).
PASSWORD_RESET_TIMEOUT = env_int("CALSREG_PASSWORD_RESET_LINK_HOURS", 24) * 3600

# The terms of use an applicant accepts; the version is recorded on every application.
TERMS_VERSION = env("CALSREG_TERMS_VERSION", "2026-04")
# Japanese TrueType font embedded in generated PDFs.
PDF_FONT_PATH = env("CALSREG_PDF_FONT_PATH", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")

# Payments: a transfer short of the invoiced amount by at most this many yen counts as paid in full —
# payers often deduct the bank's transfer fee (振込手数料; 880 yen is a common other-bank fee).
PAYMENT_FEE_TOLERANCE_YEN = env_int("CALSREG_PAYMENT_FEE_TOLERANCE_YEN", 880)
# Largest bank file (Zengin transfer notice or CSV) accepted for import: 200 bytes per transfer, so
# 50 MB is about 250,000 transfers.
PAYMENT_IMPORT_MAX_BYTES = env_int("CALSREG_PAYMENT_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Larger files are imported by the worker in batches of PAYMENT_MATCH_BATCH transfers, each its own
# short transaction (other writers, the desk and the portal, get the database between batches); the
# import's heartbeat older than the lease means its worker disappeared and it is queued again.
PAYMENT_IMPORT_INLINE_ROWS = env_int("CALSREG_PAYMENT_IMPORT_INLINE_ROWS", 500)
PAYMENT_MATCH_BATCH = env_int("CALSREG_PAYMENT_MATCH_BATCH", 200)
PAYMENT_IMPORT_LEASE_SECONDS = env_int("CALSREG_PAYMENT_IMPORT_LEASE_SECONDS", 300)

# Billing (seed step 6): a posted invoice is taken to arrive this many business days after posting
# (holidays and the 12/29–1/3 closure excluded) unless the agent records the real date; it is due at
# the end of the month after the arrival month (docs/billing.md).
POSTAL_DELIVERY_BUSINESS_DAYS = env_int("CALSREG_POSTAL_DELIVERY_BUSINESS_DAYS", 2)
# The reminder mail goes this many days before an unpaid invoice's due date (once per invoice).
INVOICE_REMINDER_DAYS_BEFORE_DUE = env_int("CALSREG_INVOICE_REMINDER_DAYS_BEFORE_DUE", 7)

# End of use and retention (issue 5): personal data of a closed project (and of an application
# that never became one) is erased this many days after closing.
PERSONAL_DATA_RETENTION_DAYS = env_int("CALSREG_PERSONAL_DATA_RETENTION_DAYS", 365)
# Invoices, credit notes and their PDFs (issue 15, docs/billing.md "Retention"): kept
# INVOICE_RETENTION_YEARS counted from the day after the filing deadline of the taxable period of
# issue (消費税法施行令第70条の13, 法人税法施行規則第59条), then deleted by the daily job
# invoice_retention. The taxable period is the issuing company's business year, ending with the
# month FISCAL_YEAR_END_MONTH (3: 3月決算); the filing deadline is two months after it, plus
# TAX_FILING_EXTENSION_MONTHS under the corporate-tax extension (申告期限の延長の特例, usually 1).
FISCAL_YEAR_END_MONTH = env_int("CALSREG_FISCAL_YEAR_END_MONTH", 3)
INVOICE_RETENTION_YEARS = env_int("CALSREG_INVOICE_RETENTION_YEARS", 7)
TAX_FILING_EXTENSION_MONTHS = env_int("CALSREG_TAX_FILING_EXTENSION_MONTHS", 0)
if not 1 <= FISCAL_YEAR_END_MONTH <= 12:
    raise ImproperlyConfigured("CALSREG_FISCAL_YEAR_END_MONTH must be a month, 1 to 12.")
if INVOICE_RETENTION_YEARS < 7 or not 0 <= TAX_FILING_EXTENSION_MONTHS <= 4:
    raise ImproperlyConfigured(
        "CALSREG_INVOICE_RETENTION_YEARS must be at least 7 (the legal minimum) and "
        "CALSREG_TAX_FILING_EXTENSION_MONTHS 0 to 4."
    )
# Finished background-task rows (their arguments hold e.g. a reset request's ID and e-mail) are
# deleted this many days after they finished (daily job prune_task_results).
TASK_RESULT_RETENTION_DAYS = env_int("CALSREG_TASK_RESULT_RETENTION_DAYS", 7)
# Received mail that became nothing kept (triage, handled, duplicates, bounces, auto-replies): erased
# this many days after its last handling (docs/retention.md); mail that became an application, a
# change request or a reply follows what it became.
MAILBOX_RETENTION_DAYS = env_int("CALSREG_MAILBOX_RETENTION_DAYS", 90)
# POSTs one client address may make per hour to each anonymous action (status lookup and withdrawal,
# application, correction, change request, "forgot password", the supervisor's answer) by page or API;
# past it 429 (core/ratelimit.py).
PUBLIC_FORM_POSTS_PER_HOUR = env_int("CALSREG_PUBLIC_FORM_POSTS_PER_HOUR", 30)
# The apply form's postcode → address look-ups per client address and hour (typing two postcodes).
POSTCODE_LOOKUPS_PER_HOUR = env_int("CALSREG_POSTCODE_LOOKUPS_PER_HOUR", 120)
# Our reverse proxies (addresses or networks, comma-separated). X-Forwarded-For is believed only from
# these, read from the right; empty: the header is ignored and REMOTE_ADDR is the client.
TRUSTED_PROXIES = [p.strip() for p in env("CALSREG_TRUSTED_PROXIES", "").split(",") if p.strip()]
# The cache holding those counters: each process's memory by default; with several web processes use a
# shared one, e.g. CALSREG_CACHE_BACKEND=django.core.cache.backends.db.DatabaseCache and
# CALSREG_CACHE_LOCATION=calsreg_cache (then run `manage.py createcachetable` once).
CACHES = {
    "default": {
        "BACKEND": env("CALSREG_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env("CALSREG_CACHE_LOCATION", "calsreg"),
    }
}

# The help desk's business hours (Japan time) on business days, for the per-step timers.
DESK_HOURS_START = env_int("CALSREG_DESK_HOURS_START", 9)
DESK_HOURS_END = env_int("CALSREG_DESK_HOURS_END", 17)
# The desk's lunch break (not counted); set both to the same hour for none.
DESK_LUNCH_START = env_int("CALSREG_DESK_LUNCH_START", 12)
DESK_LUNCH_END = env_int("CALSREG_DESK_LUNCH_END", 13)

# Logs (docs/ops/observability.md): CALSREG_LOG_FORMAT=json writes one JSON object a line (production);
# every line carries the request's id (X-Request-ID) or, in the worker, the task's id.
LOG_FORMAT = env("CALSREG_LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "calsreg.core.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "calsreg.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("CALSREG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Operator endpoints (docs/ops/observability.md). /health/ready shows its checks' details, and /metrics
# answers at all, only to this machine and these networks (CIDR, comma-separated); /metrics also to a
# scraper sending "Authorization: Bearer <CALSREG_METRICS_TOKEN>" when a token is set.
HEALTH_ALLOWED_NETS = [n.strip() for n in env("CALSREG_HEALTH_ALLOWED_NETS", "").split(",") if n.strip()]
METRICS_ALLOWED_NETS = [n.strip() for n in env("CALSREG_METRICS_ALLOWED_NETS", "").split(",") if n.strip()]
METRICS_TOKEN = env("CALSREG_METRICS_TOKEN")
# Readiness goes red on more than READY_FAILED_MAIL_MAX mails failed for good in the last
# READY_FAILED_MAIL_HOURS, and on a billing run without progress for READY_RUN_STALL_MINUTES.
READY_FAILED_MAIL_HOURS = env_int("CALSREG_READY_FAILED_MAIL_HOURS", 24)
READY_FAILED_MAIL_MAX = env_int("CALSREG_READY_FAILED_MAIL_MAX", 0)
READY_RUN_STALL_MINUTES = env_int("CALSREG_READY_RUN_STALL_MINUTES", 10)
# Alert mails to the administrators (comma-separated; the help desk's address when empty): a daily job
# failed, or no worker reported for ALERT_WORKER_SILENT_MINUTES; one per condition per ALERT_REPEAT_HOURS.
ADMIN_EMAILS = [a.strip() for a in env("CALSREG_ADMIN_EMAILS", "").split(",") if a.strip()]
ALERT_WORKER_SILENT_MINUTES = env_int("CALSREG_ALERT_WORKER_SILENT_MINUTES", 60)
ALERT_REPEAT_HOURS = env_int("CALSREG_ALERT_REPEAT_HOURS", 6)
# Error reporting (optional): Sentry, or any service speaking its protocol, when a DSN is set. No
# personal data is sent (send_default_pii off; calsreg/core/errorreport.py scrubs the rest).
SENTRY_DSN = env("CALSREG_SENTRY_DSN")
if SENTRY_DSN:
    from calsreg.core.errorreport import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("CALSREG_SENTRY_ENVIRONMENT", "production"),
        release=env("CALSREG_RELEASE"),
    )

NINJA_PAGINATION_PER_PAGE = 50

# OpenID Connect provider (calsreg/sso, docs/sso.md) on django-oauth-toolkit. The signing key comes
# from the environment (PEM text or a file path); a debug checkout without one gets its own key in
# var/; with debug off and no key the provider's endpoints answer 503 and `check --deploy` fails.
OIDC_PRIVATE_KEY = _oidc_keys.pem_text(env("CALSREG_OIDC_PRIVATE_KEY")) or (
    _oidc_keys.development_key(BASE_DIR / "var" / "oidc-dev-key.pem") if DEBUG else ""
)
# Access tokens live at most this long: the rule (accounts/access.py) is checked again at each refresh.
OIDC_ACCESS_TOKEN_SECONDS = min(env_int("CALSREG_OIDC_ACCESS_TOKEN_SECONDS", 300), 300)
# A sign-in at a relying party lasts this long from the password at most, however often it refreshes.
OIDC_SESSION_SECONDS = env_int("CALSREG_OIDC_SESSION_SECONDS", 8 * 3600)
# DOT's own application model (named so migrations can point at it).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": OIDC_PRIVATE_KEY,
    # Retired keys still published in the JWKS while tokens they signed drain (key rotation).
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": _oidc_keys.pem_blocks(env("CALSREG_OIDC_PREVIOUS_PUBLIC_KEYS")),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    # Served over HTTPS (CALSREG_SECURE_COOKIES): relying parties must be too.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if SESSION_COOKIE_SECURE else ["http", "https"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_VALIDATOR_CLASS": "calsreg.sso.validator.SsoValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "ID・氏名",
        "email": "メールアドレス",
        "cals_projects": "利用中の工事と役割",
    },
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    # Client secrets are generated, never chosen: a fast salted hash (calsreg/sso/hashers.py).
    "CLIENT_SECRET_HASHER": "calsreg_client_secret",
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": OIDC_ACCESS_TOKEN_SECONDS,
    "ID_TOKEN_EXPIRE_SECONDS": OIDC_ACCESS_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": OIDC_SESSION_SECONDS,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    # RFC 9700: no implicit or password grant, S256 only, tokens in the header only, `iss` in the
    # authorization response, tokens stored as hashes only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
