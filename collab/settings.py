"""Collab settings, read from the environment.

With nothing set this is the embedded default: SQLite in var/, Celery eager, DEBUG off
(DEBUG=1 turns it on), so `make run` shows the whole product on one machine with the
pages a user would see. `COLLAB_ENV=production` turns on
everything a trust's deployment needs and refuses to start without a real secret key.
`COLLAB_ENV=loadtest` is production without the SSL redirect, for benchmarks on loopback.
"""

import datetime as dt
import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


COLLAB_ENV = envstr("COLLAB_ENV", "embedded")
if COLLAB_ENV not in ("embedded", "production", "loadtest"):
    raise ImproperlyConfigured(
        f"COLLAB_ENV must be embedded, production or loadtest, not {COLLAB_ENV!r}"
    )
DEPLOYED = COLLAB_ENV in ("production", "loadtest")
# /bench/floor/, the empty signed-in page bench/load_dashboards.py measures the pages against.
BENCH_FLOOR = envbool("BENCH_FLOOR", COLLAB_ENV != "production")


def envsecret(name: str, embedded_default: str) -> str:
    """A secret that must be set, long and random, once deployed."""
    value = os.environ.get(name)
    if not DEPLOYED:
        return value or embedded_default
    if not value or len(value) < 50 or value == embedded_default:
        raise ImproperlyConfigured(f"{name} must be set to a random string of 50+ characters")
    return value


SECRET_KEY = envsecret("SECRET_KEY", "embedded-only-insecure-key-never-used-when-deployed")
# Off unless asked for: the technical 404 lists every URL pattern and the 500 page shows
# settings and local variables; `make run` shows the NHS-style error pages instead.
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", [] if DEPLOYED else ["127.0.0.1", "localhost"])
if DEPLOYED and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's host names")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "governance",
    "collaboratives",
    "measures",
    "dashboards",
    "reports",
    "demo",
]

MIDDLEWARE = [
    # Caching and Server headers on every response, static files included.
    "collab.headers.ResponseHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "governance.two_factor.TwoFactorMiddleware",
    "governance.sessions.IdleTimeoutMiddleware",
    "governance.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "collab.urls"
WSGI_APPLICATION = "collab.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

VAR_DIR = Path(envstr("COLLAB_VAR_DIR", str(BASE_DIR / "var")))
# The DejaVu Sans files of the report's PDF; empty: where Linux puts them (reports/pdf.py).
REPORT_FONT_DIR = envstr("COLLAB_FONT_DIR", "")
DATABASE_URL = envstr("DATABASE_URL")
# Queries planned once per PostgreSQL connection, not at every request (prepared
# statements). Off for a pooler in transaction mode that does not keep prepared statements.
COLLAB_PREPARED_QUERIES = envbool("COLLAB_PREPARED_QUERIES", True)


def postgres_options(options: dict, prepared: bool) -> dict:
    """The PostgreSQL connection's options. `prepared`: every query is sent with its
    parameters bound on the server (not written into its text, Django's default), so psycopg
    prepares a query the sixth time a connection runs it and PostgreSQL keeps its plan
    where the generic plan is as good as a custom one (its own choice, `plan_cache_mode`
    auto). Planning costs more than running for most of a dashboard's queries. Generic
    plans are not forced: PostgreSQL applies that to every query with parameters, and a
    skewed column then loses its index (the jobs sweep's `status = $1` on 43,000 done jobs:
    a sequential scan of 8.6 ms instead of 0.09). Measured (bench/README.md, issue 18):
    dashboard pages 10-20% less time in-process; the recompute, contract review and import
    unchanged."""
    options = dict(options)
    if prepared:
        options["server_side_binding"] = True
        options["prepare_threshold"] = 5
    return options


if DATABASE_URL:
    # Health checks: a connection PostgreSQL dropped (a restart) is replaced at the next
    # request instead of failing it.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"]["OPTIONS"] = postgres_options(
            DATABASES["default"].get("OPTIONS", {}), COLLAB_PREPARED_QUERIES
        )
elif DEPLOYED:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL when deployed")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "collab.sqlite3",
            # WAL and a busy timeout let the runserver threads and the seed share the file.
            # IMMEDIATE takes the write lock when a transaction starts, so a busy writer is
            # waited for (the timeout) instead of failing "database is locked" when a read
            # transaction tries to become a write one.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sessions end after SESSION_COOKIE_AGE seconds idle (governance/sessions.py renews an active
# one at most every COLLAB_SESSION_TOUCH_SECONDS; SESSION_SAVE_EVERY_REQUEST=true renews it on
# every request instead) and when the browser closes.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_SAVE_EVERY_REQUEST = envbool("SESSION_SAVE_EVERY_REQUEST", False)
COLLAB_SESSION_TOUCH_SECONDS = envint("COLLAB_SESSION_TOUCH_SECONDS", 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Single sign-on with OpenID Connect (Microsoft Entra ID for NHS organisations), beside local
# accounts. Off unless a client id is set. COLLAB_OIDC_TENANT fills in Entra's endpoints;
# COLLAB_OIDC_*_ENDPOINT name any other provider's. Users are matched by email to existing
# accounts only: signing in never creates an account or gives a role.
OIDC_RP_CLIENT_ID = envstr("COLLAB_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = envstr("COLLAB_OIDC_CLIENT_SECRET", "")
COLLAB_OIDC_TENANT = envstr("COLLAB_OIDC_TENANT", "")
_entra = f"https://login.microsoftonline.com/{COLLAB_OIDC_TENANT}" if COLLAB_OIDC_TENANT else ""
OIDC_OP_AUTHORIZATION_ENDPOINT = envstr(
    "COLLAB_OIDC_AUTHORIZATION_ENDPOINT", _entra and f"{_entra}/oauth2/v2.0/authorize"
)
OIDC_OP_TOKEN_ENDPOINT = envstr(
    "COLLAB_OIDC_TOKEN_ENDPOINT", _entra and f"{_entra}/oauth2/v2.0/token"
)
OIDC_OP_USER_ENDPOINT = envstr(
    "COLLAB_OIDC_USER_ENDPOINT", _entra and "https://graph.microsoft.com/oidc/userinfo"
)
OIDC_OP_JWKS_ENDPOINT = envstr(
    "COLLAB_OIDC_JWKS_ENDPOINT", _entra and f"{_entra}/discovery/v2.0/keys"
)
OIDC_RP_SIGN_ALGO = envstr("COLLAB_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email profile"
OIDC_CREATE_USER = False
COLLAB_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if COLLAB_OIDC_ENABLED and not (
    OIDC_RP_CLIENT_SECRET
    and OIDC_OP_AUTHORIZATION_ENDPOINT
    and OIDC_OP_TOKEN_ENDPOINT
    and OIDC_OP_USER_ENDPOINT
    and (OIDC_OP_JWKS_ENDPOINT or OIDC_RP_SIGN_ALGO.startswith("HS"))
):
    raise ImproperlyConfigured(
        "COLLAB_OIDC_CLIENT_ID needs COLLAB_OIDC_CLIENT_SECRET and COLLAB_OIDC_TENANT "
        "(or the COLLAB_OIDC_*_ENDPOINT settings)"
    )
# Entra's email and sign-in name claims are only as trustworthy as the directory that
# issued them: identities are accepted from these directory (tenant) ids only. A tenant
# given by id is pinned by default; "common" or "organizations" must list the ids.
COLLAB_OIDC_TENANT_IDS = envlist(
    "COLLAB_OIDC_TENANT_IDS",
    [COLLAB_OIDC_TENANT] if re.fullmatch(r"[0-9a-fA-F-]{36}", COLLAB_OIDC_TENANT or "") else [],
)
if COLLAB_OIDC_ENABLED and COLLAB_OIDC_TENANT and not COLLAB_OIDC_TENANT_IDS:
    raise ImproperlyConfigured(
        "COLLAB_OIDC_TENANT_IDS must list the directory (tenant) ids whose accounts may sign in"
    )
COLLAB_OIDC_BUTTON = envstr("COLLAB_OIDC_BUTTON", "Sign in with NHS account")
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"

# Brute-force protection: after COLLAB_LOGIN_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is locked for COLLAB_LOGIN_LOCKOUT_MINUTES. API tokens are not
# passwords and are not counted.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    *(["governance.oidc.EmailMatchingOIDCBackend"] if COLLAB_OIDC_ENABLED else []),
]
AXES_FAILURE_LIMIT = envint("COLLAB_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("COLLAB_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "governance.views.login_locked"
AXES_VERBOSE = False

# Two-step verification (TOTP) for staff roles: national viewers, AHSN directors,
# improvement managers and Django staff. Anyone who has set it up is asked for a code after
# their password; with COLLAB_TWO_FACTOR_REQUIRED, staff roles must set it up. Single
# sign-on counts as verified (the organisation's own sign-in asks for its second factor).
COLLAB_TWO_FACTOR_REQUIRED = envbool("COLLAB_TWO_FACTOR_REQUIRED", False)
OTP_TOTP_ISSUER = envstr("COLLAB_TWO_FACTOR_ISSUER", "Collab")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if DEPLOYED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
# Embedded, static files are served by WhiteNoise straight from the app folders, DEBUG or
# not (runserver serves none: whitenoise.runserver_nostatic); deployed, from collectstatic.
WHITENOISE_USE_FINDERS = not DEPLOYED

# Content security policy: the app's own scripts only; the few inline ones carry a nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    }
}

# Celery: Redis when REDIS_URL is set; otherwise tasks run eagerly in the caller.
REDIS_URL = envstr("REDIS_URL")
if DEPLOYED and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must point at the Redis broker when deployed")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Unacknowledged tasks return to the queue after this; it must exceed the time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# The beat scheduler re-sends chart jobs whose message was lost or whose worker died.
CELERY_BEAT_SCHEDULE = {
    "sweep-recompute-jobs": {"task": "measures.tasks.sweep_recompute_jobs", "schedule": 60.0},
    "sweep-report-builds": {"task": "reports.tasks.sweep_report_builds", "schedule": 60.0},
    # Reporting summaries (dashboards): those whose inputs changed, every two minutes; all of
    # them once a day, which also starts each month's snapshot.
    "summaries-changed": {"task": "dashboards.tasks.summaries_refresh_changed", "schedule": 120.0},
    "summaries-nightly": {"task": "dashboards.tasks.summaries_compute_all", "schedule": 86400.0},
    # Once a day: email each team lead whose data has become COLLAB_REMINDER_DAYS_LATE late.
    "data-reminders": {"task": "measures.tasks.data_reminders_send", "schedule": 24 * 60 * 60.0},
    # Once a day: sustain alerts for charts in the sustain phase (a gain fading).
    "sustain-alerts": {"task": "dashboards.tasks.sustain_alerts_sweep", "schedule": 24 * 60 * 60.0},
    # Once a day: recompute the charts whose latest complete period has moved (issue 14).
    "complete-periods": {
        "task": "measures.tasks.complete_periods_advance",
        "schedule": 24 * 60 * 60.0,
    },
}
# Days after a period's data was due before its team lead gets a reminder (issue 7).
COLLAB_REMINDER_DAYS_LATE = envint("COLLAB_REMINDER_DAYS_LATE", 7)
# How many years before a collaborative's start its teams' data may go back (baseline):
# earlier periods are refused as mistakes (a year of 1600).
COLLAB_DATA_YEARS_BEFORE_START = envint("COLLAB_DATA_YEARS_BEFORE_START", 5)
# Data points in one API write (measures/api.py); more are sent in further calls.
COLLAB_API_MAX_POINTS = envint("COLLAB_API_MAX_POINTS", 500)
# Headlines ("N% of the way to the target") read the latest complete period in which at
# least this share of the teams that owed it reported it, so one early team cannot move them.
COLLAB_HEADLINE_MIN_REPORTING = 0.8
# Small-number rules for counts of people shown beyond their collaborative (NHS Digital's
# sub-national method; see governance/disclosure.py for the keys and the source).
COLLAB_DISCLOSURE = {"suppress_up_to": 7, "round_to": 5, "symbol": "*"}

CACHES = {
    "default": (
        {"BACKEND": "collab.cache.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# The dashboards' fragment cache (dashboards/fragments.py): tables, summaries and chart data
# kept under keys made of every input's version, so never stale; entries nobody asks for
# again expire after COLLAB_FRAGMENT_CACHE_SECONDS.
COLLAB_FRAGMENT_CACHE = envbool("COLLAB_FRAGMENT_CACHE", True)
COLLAB_FRAGMENT_CACHE_SECONDS = envint("COLLAB_FRAGMENT_CACHE_SECONDS", 24 * 3600)

EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if DEPLOYED
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "collab@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

if DEPLOYED:
    # TLS ends at the trust's reverse proxy, which sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = COLLAB_ENV == "production"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    if COLLAB_ENV == "loadtest":
        # Loopback benchmarks speak plain HTTP; the deploy check would flag these.
        SILENCED_SYSTEM_CHECKS = ["security.W008"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
