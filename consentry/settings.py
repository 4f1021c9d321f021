"""Consentry settings, driven by environment variables (see the table in README.md).

SQLite is the embedded default so that a fresh clone runs; set DATABASE_URL for PostgreSQL.
"""

import base64
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
    return value in ("true", "1", "yes")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envmasterkey(
    name: str, *, allow_development: bool, development: bytes = b"consentry-development-master-key"
) -> bytes:
    """32 bytes from base64; a fixed, public key only in demo, debug and tests."""
    value = os.environ.get(name, "").strip()
    if not value:
        if not (allow_development or os.environ.get("CONSENTRY_TESTING")):
            raise ImproperlyConfigured(
                f"Set {name} (base64 of 32 random bytes: `openssl rand -base64 32`)."
            )
        return development[:32]
    try:
        key = base64.b64decode(value, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must be base64 of exactly 32 bytes.")
    return key


DEBUG = envbool("CONSENTRY_DEBUG", "false")
# Demo mode offers one-click sign-in as each persona. Never enable it on real data.
DEMO_MODE = envbool("CONSENTRY_DEMO", "false")
SECRET_KEY = os.environ.get("CONSENTRY_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or DEMO_MODE or os.environ.get("CONSENTRY_TESTING")):
        raise ImproperlyConfigured(
            "Set CONSENTRY_SECRET_KEY (or CONSENTRY_DEMO=true for the demo)."
        )
    SECRET_KEY = "consentry-insecure-development-key-not-for-production"

# Photos are encrypted at rest; each file's key is wrapped with this master key (photos/crypto.py).
MASTER_KEY = envmasterkey("CONSENTRY_MASTER_KEY", allow_development=DEBUG or DEMO_MODE)
# Keys the audit trail's hash chain and signs its anchors (HMAC-SHA256, audit/models.py): who
# can write the database but lacks this key cannot rewrite the trail unnoticed. Never in the
# database or a backup; unlike the master key it is never changed (old entries need it).
AUDIT_KEY = envmasterkey(
    "CONSENTRY_AUDIT_KEY",
    allow_development=DEBUG or DEMO_MODE,
    development=b"consentry-development-audit-key!",
)
if AUDIT_KEY == MASTER_KEY and os.environ.get("CONSENTRY_AUDIT_KEY"):
    raise ImproperlyConfigured("CONSENTRY_AUDIT_KEY must not be the same as CONSENTRY_MASTER_KEY.")

ALLOWED_HOSTS = [h for h in os.environ.get("CONSENTRY_ALLOWED_HOSTS", "").split(",") if h] or [
    "127.0.0.1",
    "localhost",
    "testserver",
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",  # sign-in: by emailed code (guardians), by password (staff), TOTP
    "allauth.account",
    "allauth.mfa",
    "consentry.accounts",
    "consentry.schools",
    "consentry.leaflets",
    "consentry.consent",
    "consentry.audit",
    "consentry.jobs",
    "consentry.mail",
    "consentry.roster",
    "consentry.breaches",
    "consentry.processors",
    "consentry.adhoc",  # separate consent requests (label "adhoc", not "requests")
    "consentry.conduct",  # privacy rules that interns and visitors acknowledge
    "consentry.retention",  # retention rules and job; a pupil's export and erasure
    "consentry.research",  # research and training projects (categories 6, 7, 8)
    "consentry.photos",  # the photo gate: encrypted uploads, faces found in the background
    "consentry.albums",  # the families' albums, the public feed, newsletter images
    "consentry.api",
    "ninja",  # the API docs (/api/v1/docs) with Swagger UI from our own static files, no CDN
    "consentry.web",
    "consentry.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, before anything else runs
    "django.contrib.sessions.middleware.SessionMiddleware",
    "consentry.accounts.middleware.RefreshSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "consentry.web.middleware.PrivateResponsesMiddleware",  # signed in, or the API: no caching
    "consentry.schools.access.ScopeMiddleware",  # each person's links, read once per request
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "consentry.accounts.middleware.RequireTOTPMiddleware",
    "consentry.conduct.middleware.RequireAcknowledgementMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

# Messages ("Saved: Emma's consent") often name a child: keep them in the session, on the
# server, never in a cookie of their own (Django's default puts them in one first).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ROOT_URLCONF = "consentry.urls"
WSGI_APPLICATION = "consentry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "consentry.web.context.site",
            ],
        },
    },
]

DATA_DIR = Path(os.environ.get("CONSENTRY_DATA_DIR", PROJECT_DIR / "var"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'consentry.sqlite3'}"),
        # Seconds a web or worker process keeps its database connection between requests
        # (0: a new one each time). On PostgreSQL a new connection costs milliseconds.
        conn_max_age=envint("CONSENTRY_DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
ON_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    # IMMEDIATE transactions serialise writers, so the audit chain and concurrent
    # consent saves never interleave; the timeout lets a second writer wait its turn.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Sign-in (django-allauth; the pages are listed in consentry/accounts/urls.py).
# Everyone signs in with their email address; accounts and addresses come from the school's
# roster, so sign-up is closed (accounts.adapter) and nobody changes their address here.
ACCOUNT_ADAPTER = "consentry.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]  # allauth's login form reads "password1"
ACCOUNT_EMAIL_VERIFICATION = "none"  # the school vouches for the address
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Consentry: "
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # never mail addresses the school did not register
ACCOUNT_EMAIL_NOTIFICATIONS = True  # "your password was changed", "two-factor turned on"
ACCOUNT_SESSION_REMEMBER = False  # shared school computers: the session ends with the browser
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 * 60  # then the password again for security settings
# Guardians sign in with a one-time code sent by email: 8 digits, valid 10 minutes (the worker
# sends the mail, so allow for its delay), dead after 3 wrong tries.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True  # "send a new code", twice at most
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 8, "dashed": False}
# Failed sign-ins are slowed down: after 5 wrong passwords for one address in 15 minutes (or
# 10 a minute from one IP address) even the right password is refused until the time has passed.
# A code may be asked for 3 times a minute and 10 times an hour per address.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/15m/key",
    "request_login_code": "20/m/ip,3/m/key,10/h/key",
}
# Leadership and privacy officers must use an authenticator app (accounts.middleware);
# anyone else may. Recovery codes are the way back in when the phone is lost.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Consentry"
# Accept the code of the previous 30-second window too (RFC 6238, 5.2): a code typed in the
# last seconds of its window would otherwise be refused on arrival.
MFA_TOTP_TOLERANCE = 1
ACCOUNT_FORMS = {
    "login": "consentry.accounts.forms.LoginForm",
    "request_login_code": "consentry.accounts.forms.RequestLoginCodeForm",
    "confirm_login_code": "consentry.accounts.forms.ConfirmLoginCodeForm",
    "confirm_reauthentication_code": "consentry.accounts.forms.ConfirmReauthenticationCodeForm",
}
MFA_FORMS = {
    "authenticate": "consentry.accounts.forms.AuthenticateForm",
    "reauthenticate": "consentry.accounts.forms.ReauthenticateForm",
    "activate_totp": "consentry.accounts.forms.ActivateTOTPForm",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

SESSION_COOKIE_AGE = envint("CONSENTRY_SESSION_SECONDS", 30 * 60)
# The age counts from the last request (inactivity expiry): RefreshSessionMiddleware moves it,
# writing the session at most once a minute rather than on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("CONSENTRY_SECURE_COOKIES", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Behind HTTPS (docs/deploy.md). The demo and the tests run on plain HTTP on loopback.
SECURE_SSL_REDIRECT = envbool("CONSENTRY_SSL_REDIRECT", "false")
SECURE_HSTS_SECONDS = envint("CONSENTRY_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("CONSENTRY_HSTS_INCLUDE_SUBDOMAINS", "false")
SECURE_HSTS_PRELOAD = envbool("CONSENTRY_HSTS_PRELOAD", "false")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers ask over plain HTTP
# A reverse proxy (nginx, a load balancer) in front: the header that says the request came in
# over HTTPS, and how many proxies append to X-Forwarded-For, so that rate limits and the
# breach form see the real client address (web.client_ip), not the proxy's.
_proxy_header = os.environ.get("CONSENTRY_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
ALLAUTH_TRUSTED_PROXY_COUNT = envint("CONSENTRY_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("CONSENTRY_CLIENT_IP_HEADER") or None

# The cache holds the sign-in rate-limit counters and recently used TOTP codes. "memory" keeps
# them per process (right for one web process, as the demo runs); "database" shares them
# between processes (its table is created by `consentry migrate`).
CACHE = os.environ.get("CONSENTRY_CACHE", "memory")
if CACHE not in ("memory", "database"):
    raise ImproperlyConfigured(f"CONSENTRY_CACHE must be memory or database, not {CACHE!r}")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if CACHE == "memory"
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "consentry_cache"}
}

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
# Our catalogue comes first: it also holds Dutch for some of django-allauth's messages, in
# the formal "u" that the rest of Consentry uses (web/allauth_messages.py).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Dates day before month, with the 24-hour clock, in both languages (web/formats).
FORMAT_MODULE_PATH = ["consentry.web.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("CONSENTRY_STATIC_ROOT", DATA_DIR / "static"))
# Static files are served by WhiteNoise from the web processes themselves: compressed, with
# hashed names and far-future caching once `consentry serve` has collected them. The demo,
# debug mode and the tests read them from the apps' folders as they are.
_collected_static = not (DEBUG or DEMO_MODE or os.environ.get("CONSENTRY_TESTING"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _collected_static
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not _collected_static
if not _collected_static:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # empty: WhiteNoise reads the apps' folders

# --- Private files: storage and backups (CONSENTRY_STORAGE, CONSENTRY_S3_*) ------------------
# Photos, renditions, signed agreements, research material and request previews go to
# STORAGES["private"] (processors/storage.py), never behind a URL. "local" (the default): a
# folder, DATA_DIR/private. "s3": a bucket of an S3-compatible object store, for several web
# and worker machines; the bucket must not be public. Photos are encrypted before any storage
# sees them (photos/crypto.py). `consentry backup` copies the files, wherever they are.
PRIVATE_STORAGE = os.environ.get("CONSENTRY_STORAGE", "local").strip().lower()
if PRIVATE_STORAGE == "local":
    STORAGES["private"] = {"BACKEND": "consentry.processors.storage.PrivateStorage"}
elif PRIVATE_STORAGE == "s3":
    _s3 = {
        name: os.environ.get(f"CONSENTRY_S3_{name}", "").strip()
        for name in ("ENDPOINT_URL", "BUCKET", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "REGION")
    }
    _s3_missing = [f"CONSENTRY_S3_{n}" for n, v in _s3.items() if not v and n != "REGION"]
    if _s3_missing:
        raise ImproperlyConfigured(
            f"CONSENTRY_STORAGE=s3 also needs {', '.join(_s3_missing)} "
            "(and CONSENTRY_S3_REGION if the store asks for one)."
        )
    if not _s3["ENDPOINT_URL"].startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            "CONSENTRY_S3_ENDPOINT_URL must be a URL such as https://s3.example.nl, "
            f"not {_s3['ENDPOINT_URL']!r}"
        )
    STORAGES["private"] = {
        "BACKEND": "consentry.processors.storage.PrivateS3Storage",
        "OPTIONS": {
            "endpoint_url": _s3["ENDPOINT_URL"],
            "bucket_name": _s3["BUCKET"],
            "access_key": _s3["ACCESS_KEY_ID"],
            "secret_key": _s3["SECRET_ACCESS_KEY"],
            "region_name": _s3["REGION"] or None,
        },
    }
else:
    raise ImproperlyConfigured(f"CONSENTRY_STORAGE must be local or s3, not {PRIVATE_STORAGE!r}")
INSTALLED_APPS.append("consentry.backups")  # `consentry backup DIR`, `consentry restore DIR`
# --- end of private files: storage and backups -----------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Background jobs (consentry.jobs): on PostgreSQL on Procrastinate, on SQLite on our own
# table. Both run the schedule (jobs.schedule) from `consentry worker`.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "CONSENTRY_TASKS_BACKEND",
            "consentry.jobs.procrastinate_backend.ProcrastinateBackend"
            if ON_POSTGRESQL
            else "consentry.jobs.backend.DatabaseBackend",
        ),
        # `consentry worker --queue mail` makes a worker of its own for mail (so that a burst
        # of face detection never holds up a sign-in code), `--queue photos` one for the
        # heavy image work; a plain `consentry worker` runs every queue.
        "QUEUES": ["default", "mail", "photos"],
    }
}
JOB_MAX_ATTEMPTS = envint("CONSENTRY_JOB_MAX_ATTEMPTS", 5)  # runs of a failing job in all
# SQLite engine: how long a worker may hold a job before another worker may take it over.
JOB_LEASE_SECONDS = envint("CONSENTRY_JOB_LEASE_SECONDS", 300)
# Procrastinate: a worker's heartbeat; without one for STALLED_SECONDS its jobs are run
# again by another worker, which looks every STALLED_CHECK_SECONDS (a divisor of 60).
WORKER_HEARTBEAT_SECONDS = envint("CONSENTRY_WORKER_HEARTBEAT_SECONDS", 5)
STALLED_SECONDS = envint("CONSENTRY_WORKER_STALLED_SECONDS", 30)
STALLED_CHECK_SECONDS = envint("CONSENTRY_STALLED_CHECK_SECONDS", 10)
# /healthz flags the jobs when the oldest waiting one has waited longer than this.
HEALTH_MAX_JOB_WAIT_SECONDS = envint("CONSENTRY_HEALTH_MAX_JOB_WAIT_SECONDS", 600)
if ON_POSTGRESQL:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("consentry.jobs"), "procrastinate.contrib.django")
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""
PROCRASTINATE_IMPORT_PATHS = ["consentry.jobs.procrastinate_backend"]
PROCRASTINATE_WORKER_DEFAULTS = {
    "concurrency": envint("CONSENTRY_WORKER_CONCURRENCY", 1),
    "update_heartbeat_interval": WORKER_HEARTBEAT_SECONDS,
    "stalled_worker_timeout": STALLED_SECONDS,
    "shutdown_graceful_timeout": 60,
}
CONSENTRY_RENDITION_MAX_PX = envint("CONSENTRY_RENDITION_MAX_PX", 2048)  # long side of a rendition
# One request may carry at most this many files (Django answers 400 beyond it): each photo is
# decoded in turn, so a request of thousands of small bombs cannot hold a worker for minutes.
DATA_UPLOAD_MAX_NUMBER_FILES = envint("CONSENTRY_MAX_FILES_PER_REQUEST", 30)

DEFAULT_FROM_EMAIL = os.environ.get("CONSENTRY_FROM_EMAIL", "Consentry <noreply@consentry.local>")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("CONSENTRY_SMTP_HOST", "localhost"),
            "port": envint("CONSENTRY_SMTP_PORT", 25),
            "username": os.environ.get("CONSENTRY_SMTP_USER", ""),
            "password": os.environ.get("CONSENTRY_SMTP_PASSWORD", ""),
            "use_tls": envbool("CONSENTRY_SMTP_STARTTLS", "false"),
            "timeout": 20,
        },
    }
}
# The demo has no mail server: mail is written to files in var/outbox/ (read them on the
# demo's outbox page), unless CONSENTRY_SMTP_HOST names one (the end-to-end tests do).
if DEMO_MODE and not os.environ.get("CONSENTRY_SMTP_HOST"):
    MAILERS["default"] = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(DATA_DIR / "outbox")},
    }
# Links in outgoing mail (invitations, receipts, reminders) point here.
CONSENTRY_BASE_URL = os.environ.get("CONSENTRY_BASE_URL", "http://127.0.0.1:8000")
if CONSENTRY_BASE_URL.startswith("https://"):
    CSRF_TRUSTED_ORIGINS = [CONSENTRY_BASE_URL.rstrip("/")]
# Processor agreements: remind the privacy officer this many days before a review or end
# date (`consentry agreement_reminders`, run daily); the largest signed PDF accepted.
AGREEMENT_REMINDER_DAYS = envint("CONSENTRY_AGREEMENT_REMINDER_DAYS", 30)
AGREEMENT_MAX_DOCUMENT_BYTES = envint("CONSENTRY_AGREEMENT_MAX_MB", 20) * 1024 * 1024
# Retention (`consentry retention`, run daily): the records of pupils who left are erased this
# many years after leaving (a school may set its own), mail, roster uploads, photo originals
# and publications after days (photos/retention.py).
RETENTION_LEFT_PUPIL_YEARS = envint("CONSENTRY_RETENTION_LEFT_PUPIL_YEARS", 2)
RETENTION_MAIL_DAYS = envint("CONSENTRY_RETENTION_MAIL_DAYS", 365)
RETENTION_ROSTER_UPLOAD_DAYS = envint("CONSENTRY_RETENTION_ROSTER_UPLOAD_DAYS", 30)
RETENTION_PHOTO_DAYS = envint("CONSENTRY_RETENTION_PHOTO_DAYS", 365)
RETENTION_ACKNOWLEDGEMENT_DAYS = envint("CONSENTRY_RETENTION_ACKNOWLEDGEMENT_DAYS", 365)
RETENTION_PUBLICATION_DAYS = envint("CONSENTRY_RETENTION_PUBLICATION_DAYS", 365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CONSENTRY_LOG_LEVEL", "WARNING")},
    # Procrastinate names every periodic task it registers, in every process: not news.
    "loggers": {"procrastinate.periodic": {"level": "WARNING"}},
}
