"""Settings for Marketing Hunting, driven entirely by the environment (see .env.example).

Two ways to run, one code path: without DATABASE_URL / REDIS_URL the app runs embedded on a
SQLite file and kombu's filesystem broker under VAR_DIR; with them it runs on PostgreSQL and
Redis. Invalid values stop start-up with a message naming the variable.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from marketing_hunting import field_encryption as _field_encryption
from marketing_hunting import process
from marketing_hunting import queues as _queues
from marketing_hunting.env import Env
from marketing_hunting.logging import build_logging_config

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Core ----------------------------------------------------------------------------------------

DEBUG = env.boolean("DEBUG", False)
_DEV_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.secret("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY (or SECRET_KEY_FILE) is required when DEBUG is off. Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
# Keys SECRET_KEY had before a rotation, kept only to recognise people erased under them (their
# identities are stored as HMACs keyed with SECRET_KEY: contacts/identity.py). Never used to
# sign anything, so a leaked old key stops signing sessions the moment it is rotated out.
ERASURE_PREVIOUS_SECRET_KEYS = [
    key.strip()
    for key in (env.secret("ERASURE_PREVIOUS_SECRET_KEYS") or "").split(",")
    if key.strip()
]
ALLOWED_HOSTS = env.strings("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.origins("CSRF_TRUSTED_ORIGINS")

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
    "django_celery_beat",
    "django_celery_results",
    "import_export",
    "axes",
    "corsheaders",
    # django-ninja: the REST API under /api/ (api/), with its Swagger UI as static files.
    "ninja",
    "accounts",
    "monitoring",
    "feeds",
    "jobs",
    "reports",
    "contacts",
    "usage",
    "billing",
]

MIDDLEWARE = [
    # First: the request time it records includes every middleware below.
    "monitoring.metrics_view.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (with a per-request nonce) and Permissions-Policy.
    "marketing_hunting.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # /healthz, /readyz and /metrics answer here, before anything below touches the session.
    "monitoring.middleware.HealthCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # CORS headers for /api/ only, for the origins in API_CORS_ALLOWED_ORIGINS (none by
    # default); before CommonMiddleware, as django-cors-headers asks.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "marketing_hunting.middleware.NotFoundPageMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
    # Counts the member active today (the Usage page): after the organization is known.
    "usage.middleware.ActiveUserMiddleware",
    # After it: the organization's language for the rest of the request.
    "accounts.middleware.OrganizationLanguageMiddleware",
    # The client's address for the audit log's lines (accounts.audit).
    "accounts.audit.AuditContextMiddleware",
    "monitoring.middleware.LogContextMiddleware",
    # Axes last, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marketing_hunting.urls"
WSGI_APPLICATION = "marketing_hunting.wsgi.application"
ASGI_APPLICATION = "marketing_hunting.asgi.application"

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
                "accounts.context_processors.organization",
                "reports.alerts.context_processors.alert_bell",
                "marketing_hunting.security_headers.csp_nonce",
            ],
            # {% url %} remembering its answers (the module says why).
            "builtins": ["marketing_hunting.url_tag"],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------

DATABASE_URL = env.url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite"))
WEB_DATABASE_POOL_SIZE = env.integer("WEB_DATABASE_POOL_SIZE", 10, minimum=0, maximum=200)
if DATABASE_URL:
    # No persistent connections (CONN_MAX_AGE=0). Under uvicorn every request's synchronous
    # code runs in a thread of its own, and a persistent connection stays in that thread's
    # storage, never closed: a busy web process used up PostgreSQL's slots ("too many
    # clients"). Django's docs say the same: persistent connections are for WSGI only. A
    # connection is opened per request or task and closed at its end; docs/deployment.md
    # gives the budget per process.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    # The web process (asgi.py) borrows connections from a bounded pool instead: at most
    # WEB_DATABASE_POOL_SIZE per process whatever the load, and no connect per request.
    # Workers, beat and the collector open one per task: Celery forks its pool processes, and
    # a connection pool must not cross a fork.
    if process.WEB and WEB_DATABASE_POOL_SIZE and DATABASE_URL.startswith("postgres"):
        DATABASES["default"]["OPTIONS"] = {
            "pool": {"min_size": 1, "max_size": WEB_DATABASE_POOL_SIZE, "timeout": 10}
        }
        # The pool checks a connection before lending it, so after a database restart no
        # request gets one that died meanwhile.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside the writer, the busy
    # timeout waits instead of failing, and IMMEDIATE transactions take the write lock up front
    # so two writers never deadlock on a lock upgrade ("database is locked").
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not :memory:) so that a test can share its database with a worker process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ---------------------------------------------------------------------

REDIS_URL = env.url("REDIS_URL", schemes=("redis", "rediss", "unix"))

# Every Redis client gives up after this many seconds: with Redis frozen (not refusing, just
# silent) a client without a timeout waits for ever, and so did /healthz, the Logs page,
# "Refresh now" and "Run now". Pages then say Redis is not answering.
REDIS_TIMEOUT = env.integer("REDIS_TIMEOUT", 3, minimum=1, maximum=60)
# The dashboard's briefing is cached per organization and recomputed after any write it reads
# (accounts/briefing_cache.py); this bounds its age anyway, as "the last 7 days" moves on.
# 0 turns the cache off.
DASHBOARD_CACHE_SECONDS = env.integer("DASHBOARD_CACHE_SECONDS", 60, minimum=0, maximum=3600)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "marketing_hunting.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mh",
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
    }
else:
    # A file cache is shared by every local process (web, worker, beat), unlike locmem.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # kombu's Redis transport, minus the crash that ended the worker when Redis went away
    # under a running task (see marketing_hunting/broker.py).
    CELERY_BROKER_TRANSPORT = "marketing_hunting.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis redelivers unacknowledged messages after this many seconds; countdowns stay
        # below.
        "visibility_timeout": 3600,
        "socket_connect_timeout": REDIS_TIMEOUT,
        # Above the 1 s a worker's blocking pop waits for a message, or an idle worker would
        # time out its own reads.
        "socket_timeout": max(REDIS_TIMEOUT, 5),
    }
else:
    # A host name the filesystem transport ignores: without one, kombu warns "No hostname was
    # supplied" at every start of every process.
    CELERY_BROKER_URL = "filesystem://localhost//"
    # kombu's filesystem transport, minus the half-written message a worker could read and
    # die on (see marketing_hunting/filesystem_broker.py).
    CELERY_BROKER_TRANSPORT = "marketing_hunting.filesystem_broker:Transport"
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        # Without this, kombu keeps its broadcast exchanges in ./control of the cwd.
        "control_folder": str(BROKER_DIR / "control"),
    }
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TRACK_STARTED = True
# Queues per kind of work (marketing_hunting/queues.py): a worker without -Q takes them all.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = _queues.task_queues()
CELERY_TASK_ROUTES = (_queues.route_task,)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
# Sending a task from a page ("Run now") tries twice, then the page says the queue is down,
# instead of retrying for as long as kombu's default policy allows.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}

# --- Auth ----------------------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: after LOGIN_FAILURE_LIMIT failures for one username from one address, that
# pair is locked out for LOGIN_LOCKOUT_MINUTES. Locking by the pair (not the username alone)
# keeps an attacker from locking real users out.
AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Internationalisation ------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
# The languages an organization may choose (Organization settings). Its choice is activated for
# every request of its members (accounts.middleware.OrganizationLanguageMiddleware): Django's own
# strings (form errors, the admin, month and day names in dates) are translated; the app's own
# wording is English until it has translations. The LLM writes email drafts in it.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("pt", "Português"),
]
TIME_ZONE = env.timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve straight from the app folders when static files were not collected (development).
WHITENOISE_USE_FINDERS = DEBUG or env.boolean("WHITENOISE_USE_FINDERS", False)
MEDIA_ROOT = VAR_DIR / "media"

# --- Email ---------------------------------------------------------------------------------------

EMAIL_HOST = env.string("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.integer("EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.secret("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env.boolean("EMAIL_USE_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true.")
    EMAIL_TIMEOUT = 20
else:
    # Without an SMTP server, emails (invitations, password resets) are printed to the console.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "Marketing Hunting <noreply@localhost>")
# The address people open the app at: links in emails sent outside a request (a failed run's
# notice) are built from it. Default: where `make run` serves.
SITE_URL = env.url(
    "SITE_URL",
    f"http://{env.string('WEB_HOST', '127.0.0.1')}:{env.string('WEB_PORT', '8000')}",
    schemes=("http", "https"),
).rstrip("/")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Outside services ----------------------------------------------------------------------------

# Every outbound request (feeds, article pages, discovery, webhooks) goes through
# outbound.client, which refuses private, loopback and reserved addresses unless this is on
# (tests, and on-premise users whose feeds live on the internal network).
OUTBOUND_ALLOW_PRIVATE_ADDRESSES = env.boolean("OUTBOUND_ALLOW_PRIVATE_ADDRESSES", False)
OUTBOUND_MAX_BYTES = env.integer("OUTBOUND_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
OUTBOUND_CONTACT_URL = env.url("OUTBOUND_CONTACT_URL", schemes=("http", "https", "mailto"))
# An honest User-Agent: who we are, and where site owners can reach the operator.
OUTBOUND_USER_AGENT = (
    f"MarketingHunting/0.1 (+{OUTBOUND_CONTACT_URL})"
    if OUTBOUND_CONTACT_URL
    else "MarketingHunting/0.1 (self-hosted news monitor)"
)

# Article pages fetched at once by one worker process, and at most this many to one host.
FEEDS_EXTRACT_CONCURRENCY = env.integer("FEEDS_EXTRACT_CONCURRENCY", 8, minimum=1, maximum=64)
FEEDS_PER_HOST_CONCURRENCY = env.integer("FEEDS_PER_HOST_CONCURRENCY", 2, minimum=1, maximum=16)

# Encrypts the secrets organizations store (their own LLM API key) at rest: Fernet keys,
# comma-separated; the first encrypts, all decrypt (rotation: docs/security.md). Unset: no
# organization can store its own key (the settings page says so).
try:
    FIELD_ENCRYPTION_KEYS = _field_encryption.parse_keys(env.secret("FIELD_ENCRYPTION_KEY"))
except ValueError as _error:
    raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEY: {_error}") from None

OPENAI_API_KEY = env.secret("OPENAI_API_KEY")
OPENAI_BASE_URL = env.url("OPENAI_BASE_URL", schemes=("http", "https"))
OPENAI_MODEL = env.string("OPENAI_MODEL", "gpt-4o-mini")

# Seconds one LLM call may take (the openai client's own default is 600 s).
LLM_TIMEOUT = env.integer("LLM_TIMEOUT", 60, minimum=1, maximum=600)
# Input tokens sent per article; longer texts are cut at paragraph boundaries.
LLM_INPUT_TOKEN_BUDGET = env.integer("LLM_INPUT_TOKEN_BUDGET", 6000, minimum=200)
# LLM requests one worker process (one analysis task) has in flight at once.
LLM_CONCURRENCY = env.integer("LLM_CONCURRENCY", 8, minimum=1, maximum=64)
# The provider's budget per model, shared by every worker (Redis, or a file under VAR_DIR):
# requests and tokens per minute. The provider's x-ratelimit-limit-* headers lower them.
# Defaults: OpenAI's first paid tier for gpt-4o-mini.
LLM_REQUESTS_PER_MINUTE = env.integer("LLM_REQUESTS_PER_MINUTE", 500, minimum=1)
LLM_TOKENS_PER_MINUTE = env.integer("LLM_TOKENS_PER_MINUTE", 200_000, minimum=1000)
# Each organization's own share of it (0: none, the provider's budget alone applies).
LLM_ORG_REQUESTS_PER_MINUTE = env.integer("LLM_ORG_REQUESTS_PER_MINUTE", 0, minimum=0)
LLM_ORG_TOKENS_PER_MINUTE = env.integer("LLM_ORG_TOKENS_PER_MINUTE", 0, minimum=0)
# A call whose budget slot is further away than this is not made: the article is analysed by
# the rules and given to the LLM later (llm_pending).
LLM_BUDGET_MAX_WAIT_SECONDS = env.integer(
    "LLM_BUDGET_MAX_WAIT_SECONDS", 120, minimum=1, maximum=900
)
# USD per million tokens (input, output) by model, for cost estimates. JSON object; models not
# listed cost 0 (e.g. a local Ollama model).
LLM_PRICES = env.json_object(
    "LLM_PRICES",
    {
        "gpt-4o-mini": [0.15, 0.60],
        "gpt-4o": [2.50, 10.00],
        "gpt-4.1-mini": [0.40, 1.60],
        "gpt-4.1-nano": [0.10, 0.40],
        "gpt-4.1": [2.00, 8.00],
    },
)

# Economy analysis (an organization's or a job's choice): requests go through the provider's
# batch interface (OpenAI's Batch API: answers within 24 h) at this discount on LLM_PRICES
# (0.5: half price), at most this many requests per batch file.
LLM_BATCH_DISCOUNT = env.fraction("LLM_BATCH_DISCOUNT", 0.5)
LLM_BATCH_MAX_REQUESTS = env.integer("LLM_BATCH_MAX_REQUESTS", 5000, minimum=1, maximum=50_000)

# --- Brand knowledge base ----------------------------------------------------------------------

# Where npm installs the name-suggestion-index package (`npm ci --prefix kb`, run by `make run`).
BRAND_KNOWLEDGE_NSI_DIR = env.string(
    "BRAND_KNOWLEDGE_NSI_DIR", str(BASE_DIR / "kb" / "node_modules" / "name-suggestion-index")
)

# --- Contact discovery ---------------------------------------------------------------------------

# A Brave-Search-compatible web search API (GET ?q=&count=, key in X-Subscription-Token). Without
# a key the web-search provider is off and only brands' own websites are read.
SEARCH_API_URL = env.url(
    "SEARCH_API_URL", "https://api.search.brave.com/res/v1/web/search", schemes=("http", "https")
)
SEARCH_API_KEY = env.secret("SEARCH_API_KEY", "")
# Results asked for per brand (Brave allows at most 20).
DISCOVERY_SEARCH_RESULTS = env.integer("DISCOVERY_SEARCH_RESULTS", 20, minimum=1, maximum=20)
# Requests per minute to each provider, shared by every worker (counted in the cache).
DISCOVERY_SEARCH_PER_MINUTE = env.integer("DISCOVERY_SEARCH_PER_MINUTE", 30, minimum=1)
DISCOVERY_SITE_PER_MINUTE = env.integer("DISCOVERY_SITE_PER_MINUTE", 60, minimum=1)
# Pages requested from one brand's site per run (robots.txt not counted).
DISCOVERY_SITE_PAGES = env.integer("DISCOVERY_SITE_PAGES", 8, minimum=1, maximum=50)
# Seconds one search request, and one page or robots.txt of a brand's site, may take.
DISCOVERY_SEARCH_TIMEOUT = env.integer("DISCOVERY_SEARCH_TIMEOUT", 15, minimum=1, maximum=120)
DISCOVERY_SITE_TIMEOUT = env.integer("DISCOVERY_SITE_TIMEOUT", 10, minimum=1, maximum=120)
# Suggestions not seen again for this many days are looked up again by the periodic refresh.
DISCOVERY_REFRESH_AFTER_DAYS = env.integer(
    "DISCOVERY_REFRESH_AFTER_DAYS", 7, minimum=1, maximum=365
)

# --- Exports (reports, mentions, brands) ---------------------------------------------------------
# Exports of more rows than this run in the background (the page follows their progress and
# offers a download link); smaller ones download at once.
EXPORT_BACKGROUND_ROWS = env.integer("EXPORT_BACKGROUND_ROWS", 5000, minimum=1)
# How long a background export's file can be downloaded; the hourly cleanup deletes it then.
EXPORT_LINK_HOURS = env.integer("EXPORT_LINK_HOURS", 24, minimum=1, maximum=24 * 30)
EXPORT_DIR = VAR_DIR / "exports"

# --- Organizations: deletion and retention (docs/tenants.md) -------------------------------------
# Days between an owner's request to delete the organization and its erasure; it can be
# cancelled meanwhile, and its export downloaded.
ORGANIZATION_DELETION_GRACE_DAYS = env.integer(
    "ORGANIZATION_DELETION_GRACE_DAYS", 14, minimum=1, maximum=365
)
# Where the export of an organization being deleted is written (erased with it).
ORGANIZATION_EXPORT_DIR = VAR_DIR / "organization-exports"
# Articles with their reports and mentions are kept this many days at most (0: the
# installation keeps them for ever); each organization may choose less, down to
# RETENTION_MIN_DAYS. What drafts and reviews point to is never deleted.
REPORT_RETENTION_DAYS = env.integer("REPORT_RETENTION_DAYS", 0, minimum=0, maximum=36500)
RETENTION_MIN_DAYS = env.integer("RETENTION_MIN_DAYS", 30, minimum=1, maximum=3650)
if REPORT_RETENTION_DAYS and REPORT_RETENTION_DAYS < RETENTION_MIN_DAYS:
    raise ImproperlyConfigured(
        f"REPORT_RETENTION_DAYS={REPORT_RETENTION_DAYS} is below RETENTION_MIN_DAYS="
        f"{RETENTION_MIN_DAYS}."
    )

# --- Alerts (reports/alerts; docs/alerts.md) -----------------------------------------------------
# Attempts per alert email or webhook call (growing delays: 30 s, 2 min, 10 min, 30 min...)
# before the delivery stays failed and shows as such.
ALERT_DELIVERY_ATTEMPTS = env.integer("ALERT_DELIVERY_ATTEMPTS", 5, minimum=1, maximum=20)
# Alerts older than this are deleted with their notifications and deliveries (hourly). At
# least 30 days: a rule's cool-down and its "not reported yet" memory read recent alerts.
ALERT_RETENTION_DAYS = env.integer("ALERT_RETENTION_DAYS", 180, minimum=30, maximum=3650)
# Operator alerts (monitoring, docs/operations.md "Operator alerts"): who is emailed when a
# rule in the admin names nobody. Comma-separated addresses; empty: only rules with their own
# recipients or webhook tell anyone (incidents are recorded either way).
OPERATOR_ALERT_EMAILS = env.strings("OPERATOR_ALERT_EMAILS", [])
if _bad := [a for a in OPERATOR_ALERT_EMAILS if "@" not in a or " " in a]:
    raise ImproperlyConfigured(f"OPERATOR_ALERT_EMAILS: not an email address: {_bad[0]!r}")

# --- Digests (reports/digests; docs/digests.md) --------------------------------------------------
# Attempts per digest email (same delays as alerts) before it stays failed: System health and
# Admin -> Digest deliveries show it.
DIGEST_DELIVERY_ATTEMPTS = env.integer("DIGEST_DELIVERY_ATTEMPTS", 5, minimum=1, maximum=20)
# Digest deliveries older than this are deleted by the hourly "Purge old alerts" task (not one
# still waiting or being sent). At least 7 days: System health counts the last 24 hours', and
# operators look into last week's failures.
DIGEST_DELIVERY_RETENTION_DAYS = env.integer(
    "DIGEST_DELIVERY_RETENTION_DAYS", 180, minimum=7, maximum=3650
)
# --- REST API (api/, docs/api.md) -----------------------------------------------------------------

# Requests a minute per API key and per organization (all its keys together), shared by every
# web process (Redis, or the budget file in embedded mode); 0 turns a limit off.
API_KEY_REQUESTS_PER_MINUTE = env.integer("API_KEY_REQUESTS_PER_MINUTE", 120, minimum=0)
API_ORG_REQUESTS_PER_MINUTE = env.integer("API_ORG_REQUESTS_PER_MINUTE", 600, minimum=0)
# Views of share links (/s/<token>/) a minute per client IP address, counted in the cache
# shared by every web process; 0 turns the limit off. Behind a proxy every client has the
# proxy's address, so raise it there.
SHARE_LINK_VIEWS_PER_MINUTE = env.integer("SHARE_LINK_VIEWS_PER_MINUTE", 60, minimum=0)
# Browser origins (https://app.example.com) allowed to call /api/ from their pages. None by
# default: CORS is off, and server-to-server clients do not need it.
CORS_ALLOWED_ORIGINS = env.origins("API_CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
# Keys travel in the Authorization header, never in cookies: no credentials across origins.
CORS_ALLOW_CREDENTIALS = False

# --- Error tracking (Sentry; marketing_hunting/error_tracking.py) ------------------------------
# Personal data is scrubbed from every event before it leaves (marketing_hunting/scrubbing.py).
SENTRY_DSN = env.url("SENTRY_DSN", schemes=("http", "https"))
SENTRY_ENVIRONMENT = env.string("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
# Share of requests and tasks traced for performance (0 to 1); errors are always sent.
SENTRY_TRACES_SAMPLE_RATE = env.fraction("SENTRY_TRACES_SAMPLE_RATE", 0.0)
SENTRY_RELEASE = env.string("SENTRY_RELEASE")
if SENTRY_DSN:
    from marketing_hunting.error_tracking import default_release, init_error_tracking

    SENTRY_RELEASE = SENTRY_RELEASE or default_release()
    init_error_tracking(
        dsn=SENTRY_DSN,
        release=SENTRY_RELEASE,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

# --- Metrics (Prometheus; monitoring/metrics.py, docs/operations.md) -----------------------------
# Counting costs a few microseconds per event; false turns counting off and /metrics answers 404.
METRICS_ENABLED = env.boolean("METRICS_ENABLED", True)
# /metrics answers a request with "Authorization: Bearer <METRICS_TOKEN>" or from these networks.
METRICS_TOKEN = env.secret("METRICS_TOKEN", "") or ""
# "none": the token only (e.g. behind a proxy on this machine that makes every client look local).
METRICS_ALLOWED_NETWORKS = env.strings("METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
if [n.lower() for n in METRICS_ALLOWED_NETWORKS] == ["none"]:
    METRICS_ALLOWED_NETWORKS = []
# Every process of the installation counts into files here; /metrics adds them up. It must be
# one folder shared by all processes (VAR_DIR is, in the compose file).
METRICS_DIR = VAR_DIR / "metrics"
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS: {_network!r} is not a network (e.g. 10.0.0.0/8)."
        ) from _error

# --- Security ------------------------------------------------------------------------------------

# Behind a TLS-terminating proxy, trust its X-Forwarded-Proto header (only if the proxy sets it).
if env.boolean("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", not DEBUG)
# Health checks come over plain HTTP from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env.boolean("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Jobs --------------------------------------------------------------------------------------

# A queued or running job execution with no sign of life (start, heartbeat) for this long is
# failed by the sweep (every 60 s), so a lost worker is noticed within STUCK_AFTER + 60 s.
# A job may set its own value.
STUCK_AFTER_SECONDS = env.integer("STUCK_AFTER_SECONDS", 300, minimum=10, maximum=86400)
# How often a running execution writes its heartbeat during a long unit of work; keep it well
# below STUCK_AFTER_SECONDS.
JOB_HEARTBEAT_SECONDS = env.integer("JOB_HEARTBEAT_SECONDS", 30, minimum=1, maximum=600)
if JOB_HEARTBEAT_SECONDS * 2 > STUCK_AFTER_SECONDS:
    raise ImproperlyConfigured(
        "JOB_HEARTBEAT_SECONDS must be at most half of STUCK_AFTER_SECONDS, or live runs "
        "would be failed as stuck."
    )
# Beat also runs the sweep itself this often (0: off), so lost runs are failed even when no
# worker is alive to run the scheduled sweep task.
JOB_WATCHDOG_SECONDS = env.integer("JOB_WATCHDOG_SECONDS", 60, minimum=0, maximum=3600)
# Workers and beat write their heartbeat row (monitoring.heartbeats) this often; a worker not
# seen for WORKER_SEEN_WITHIN_SECONDS is red on System health, fails /readyz and counts for the
# "No live worker" operator alert. Short values make a killed worker noticed sooner (tests use
# 1 and 5); the silence limit must cover three heartbeats, or a live but busy worker flaps.
WORKER_HEARTBEAT_SECONDS = env.integer("WORKER_HEARTBEAT_SECONDS", 20, minimum=1, maximum=60)
WORKER_SEEN_WITHIN_SECONDS = env.integer("WORKER_SEEN_WITHIN_SECONDS", 120, minimum=3, maximum=3600)
if WORKER_SEEN_WITHIN_SECONDS < 3 * WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "WORKER_SEEN_WITHIN_SECONDS must be at least three times WORKER_HEARTBEAT_SECONDS, or "
        "live workers would be shown as gone between two heartbeats."
    )
# A running job retries its database work this long when the database stops answering
# (restart, failover); a longer outage fails the run with the real reason, written as soon as
# the database is back. Keep it below STUCK_AFTER_SECONDS.
JOB_DATABASE_RETRY_SECONDS = env.integer("JOB_DATABASE_RETRY_SECONDS", 120, minimum=0, maximum=3600)
# The per-feed timeout a job uses when neither the job nor the feed says otherwise, and the
# cap on a run's soft time limit (well below Redis' one-hour visibility timeout).
JOB_DEFAULT_FEED_TIMEOUT = 20
JOB_MAX_RUN_SECONDS = env.integer("JOB_MAX_RUN_SECONDS", 45 * 60, minimum=60, maximum=3000)
# Live progress (server-sent events): database polls per stream, keep-alive comments for
# proxies, and a maximum lifetime after which the browser reconnects by itself.
JOB_STREAM_POLL_SECONDS = 1.0
JOB_LIST_STREAM_POLL_SECONDS = 3.0
JOB_STREAM_KEEPALIVE_SECONDS = 15.0
JOB_STREAM_MAX_SECONDS = 600.0

# --- Resilience ----------------------------------------------------------------------------------

# One retry policy for calls to outside services (resilience.call_with_policy): exponential
# backoff with full jitter, at most RETRY_MAX_ATTEMPTS attempts within RETRY_MAX_ELAPSED_SECONDS
# (kept well below the Redis visibility timeout), each wait at most RETRY_BACKOFF_MAX_SECONDS
# unless the server's Retry-After asks for longer.
RETRY_MAX_ATTEMPTS = env.integer("RETRY_MAX_ATTEMPTS", 4, minimum=1, maximum=20)
RETRY_MAX_ELAPSED_SECONDS = env.integer("RETRY_MAX_ELAPSED_SECONDS", 120, minimum=1, maximum=1800)
RETRY_BACKOFF_MAX_SECONDS = env.integer("RETRY_BACKOFF_MAX_SECONDS", 30, minimum=1, maximum=600)
# Circuit breakers per provider and per feed host (shared through Redis when REDIS_URL is set):
# open after this many consecutive failures, let a trial call through after the cooldown.
BREAKER_FAIL_MAX = env.integer("BREAKER_FAIL_MAX", 5, minimum=1, maximum=1000)
BREAKER_RESET_SECONDS = env.integer("BREAKER_RESET_SECONDS", 60, minimum=1, maximum=86400)
# How long a provider stays disabled after a quota error that names no reset time
# (OpenAI's insufficient_quota).
PROVIDER_QUOTA_PAUSE_SECONDS = env.integer(
    "PROVIDER_QUOTA_PAUSE_SECONDS", 900, minimum=1, maximum=86400
)

# --- Logging -------------------------------------------------------------------------------------

LOG_LEVEL = env.string("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
    )
# Human-readable lines on the console by default; one JSON object per line for log processors.
LOG_FORMAT = (env.string("LOG_FORMAT", "console") or "console").lower()
if LOG_FORMAT not in ("console", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not one of console, json.")
# Every process ships its records to one collector (`manage.py collect_logs`): through a Redis
# stream when REDIS_URL is set, else through per-process spool files under VAR_DIR/logs/spool.
# The collector alone writes LOG_FILE (rotated by size and time) and the LogEntry table.
LOG_SHIPPING = env.boolean("LOG_SHIPPING", True)
LOG_DIR = VAR_DIR / "logs"
LOG_SPOOL_DIR = LOG_DIR / "spool"
LOG_SPOOL_MAX_BYTES = env.integer("LOG_SPOOL_MAX_MB", 256, minimum=1) * 1024 * 1024
LOG_STREAM = env.string("LOG_STREAM", "mh:logs")
LOG_STREAM_MAXLEN = env.integer("LOG_STREAM_MAXLEN", 100_000, minimum=1_000)
# Records one process may hold in memory while the transport catches up; more are dropped and
# counted, so logging never blocks a request or a task.
LOG_QUEUE_SIZE = env.integer("LOG_QUEUE_SIZE", 10_000, minimum=100)
LOG_FILE = Path(env.string("LOG_FILE", str(LOG_DIR / "marketing-hunting.log"))).resolve()
LOG_FILE_MAX_BYTES = env.integer("LOG_FILE_MAX_MB", 50, minimum=1) * 1024 * 1024
LOG_FILE_ROTATE_HOURS = env.integer("LOG_FILE_ROTATE_HOURS", 24, minimum=1)
LOG_FILE_BACKUPS = env.integer("LOG_FILE_BACKUPS", 14, minimum=0)
# LogEntry rows older than this are deleted by the "Purge old log entries" periodic task.
LOG_RETENTION_DAYS = env.integer("LOG_RETENTION_DAYS", 14, minimum=1)
# Django and Celery both configure logging in a worker; this applies LOGGING once per process.
LOGGING_CONFIG = "marketing_hunting.logging.configure_once"
LOGGING = build_logging_config(
    LOG_LEVEL,
    log_format=LOG_FORMAT,
    shipping=(
        {
            "redis_url": REDIS_URL,
            "stream": LOG_STREAM,
            "maxlen": LOG_STREAM_MAXLEN,
            "spool_dir": str(LOG_SPOOL_DIR),
            "spool_max_bytes": LOG_SPOOL_MAX_BYTES,
            "queue_size": LOG_QUEUE_SIZE,
        }
        if LOG_SHIPPING
        else None
    ),
)

# --- Tests ---------------------------------------------------------------------------------------

# Tests that need a real service fail (instead of skipping) when REQUIRE_SERVICES is on: CI.
REQUIRE_SERVICES = env.boolean("REQUIRE_SERVICES", False)
