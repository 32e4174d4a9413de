"""AgendaZap settings: one entry point for manage.py, wsgi and Celery.

Everything comes from environment variables with safe local defaults. With no environment
at all the app runs on SQLite without Redis (the "embedded default"); `DATABASE_URL` and
`REDIS_URL` switch to the production shape. `ENVIRONMENT=production` turns on the HTTPS
hardening (`DEBUG=0` alone does not) and the checks that refuse to start on settings that fail open
(agendazap/checks.py).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from agendazap.env import env_bool, env_int, env_json_object, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = env_str("ENVIRONMENT", "development").strip().lower()
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured("ENVIRONMENT must be development, production or test")
IS_PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET_KEY = "insecure-dev-key-never-use-in-production"  # noqa: S105 - local default only
SECRET_KEY = env_str("SECRET_KEY", "" if IS_PRODUCTION else _DEV_SECRET_KEY)
if not SECRET_KEY or (IS_PRODUCTION and SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when ENVIRONMENT=production, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CORS_ALLOWED_ORIGINS = env_list("ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"

# Absolute base for links sent outside a request (emails, WhatsApp messages).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # Third party
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_celery_beat",
    # AgendaZap
    "agendazap",
    "accounts",
    "catalog",
    "scheduling",
    "crm",
    "billing",
    "notifications",
]

MIDDLEWARE = [
    "agendazap.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "agendazap.middleware.LeanPathMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.tenancy.BusinessMiddleware",
    "agendazap.middleware.BusinessTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Answered by their view right after the security middleware, without the rest of the stack.
LEAN_PATHS = ["/health", "/health/"]

ROOT_URLCONF = "agendazap.urls"
WSGI_APPLICATION = "agendazap.wsgi.application"

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
                "django.template.context_processors.i18n",
                "accounts.tenancy.business_context",
                "accounts.permissions.permissions_context",
                "billing.context_processors.usage_alerts",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _default_db = dj_database_url.parse(
        DATABASE_URL,
        # Persistent connections: opening one per request costs ~8x throughput.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
else:
    _default_db = {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so writers are serialized: this is what keeps
    # check-then-insert rules (no double booking) true on SQLite, which has no row locks.
    _default_db.setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
elif env_bool("DB_SERVER_SIDE_BINDING", True):
    # Parameters bound by the server, so psycopg prepares a statement run often (its 5th time on a
    # connection): PostgreSQL then plans it once per connection, not once per request — on the
    # one-query authentication, planning was two thirds of its time. Turn it off behind a
    # transaction-mode pooler (PgBouncer), which cannot keep prepared statements.
    _default_db.setdefault("OPTIONS", {})["server_side_binding"] = True
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "agendazap",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Dashboard sessions: read from Redis and written through to the database, so a page costs no
# session query. Only with a shared cache: a per-process one would keep a logged-out session alive
# in the other processes.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# Without a broker the embedded default still runs tasks: inline, at the moment they are sent.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "America/Sao_Paulo"
CELERY_ENABLE_UTC = True
# Acknowledge after the task ran, and re-queue when the worker process dies mid-task, so a
# killed worker does not lose a message (tasks are idempotent).
# https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.acks_late
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per process: with acks_late a prefetched batch would wait behind a
# slow send.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fail fast when Redis is down instead of blocking the request that enqueues.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Every worker consumes every queue unless started with -Q (to give one queue workers of its own);
# without this a plain `celery worker` would consume only the default queue and no message.
CELERY_TASK_QUEUES = [
    Queue(name)
    for name in (
        "celery",
        "appointment_confirmations",
        "appointment_reminders",
        "appointment_cancellations",
        "appointment_follow_ups",
        "whatsapp_messages",
        "email_notifications",
    )
]
# Every periodic task, declared once; DatabaseScheduler copies these rows into the database
# (editable in the admin under "Periodic tasks").
CELERY_BEAT_SCHEDULE = {
    "purge-expired-auth-records": {
        "task": "accounts.purge_expired_auth_records_task",
        "schedule": timedelta(hours=1),
    },
    "dispatch-due-messages": {
        "task": "notifications.dispatch_due_messages_task",
        "schedule": timedelta(minutes=1),
    },
    # Waitlist offers last minutes: expired ones pass the time to the next in line.
    "expire-waitlist-offers": {
        "task": "scheduling.waitlist_expire_task",
        "schedule": timedelta(minutes=1),
    },
    # Hourly, because a month turns at a different hour in each business's time zone.
    "refresh-client-month-figures": {
        "task": "crm.refresh_month_figures_task",
        "schedule": timedelta(hours=1),
    },
}

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.LetterAndDigitValidator"},
]

# Failed logins: at most LOGIN_MAX_FAILURES_PER_EMAIL consecutive failures per account and
# LOGIN_MAX_FAILURES_PER_IP per address within LOGIN_FAILURE_WINDOW_MINUTES, then 429.
LOGIN_MAX_FAILURES_PER_EMAIL = env_int("LOGIN_MAX_FAILURES_PER_EMAIL", 10)
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 50)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
# Number of reverse proxies in front of the app whose X-Forwarded-For entries are trusted.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

EMAIL_VERIFICATION_MAX_AGE_DAYS = env_int("EMAIL_VERIFICATION_MAX_AGE_DAYS", 3)

# Online bookings (public page and public API) per client address and per WhatsApp number.
PUBLIC_BOOKINGS_PER_IP_HOUR = env_int("PUBLIC_BOOKINGS_PER_IP_HOUR", 20)
PUBLIC_BOOKINGS_PER_PHONE_HOUR = env_int("PUBLIC_BOOKINGS_PER_PHONE_HOUR", 5)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("ACCESS_TOKEN_EXPIRE_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("REFRESH_TOKEN_EXPIRE_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": env_str("ALGORITHM", "HS256"),
    "SIGNING_KEY": env_str("JWT_SECRET_KEY") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

# --- DRF and the schema -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    # Every view declares its action from the role table (accounts/permissions.py).
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.ActionRequired",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "agendazap.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "register": env_str("THROTTLE_REGISTER", "30/hour"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Prices are JSON numbers (`"price": 50.0`), as docs/api.md says.
    "COERCE_DECIMAL_TO_STRING": False,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "AgendaZap API",
    "DESCRIPTION": "Agenda, clients and WhatsApp notifications for small service businesses.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "PREPROCESSING_HOOKS": ["agendazap.api.routing.drop_trailing_slash_twins"],
    # Two "status" fields with different choices: name each enum once.
    "ENUM_NAME_OVERRIDES": {
        "AppointmentStatusEnum": "scheduling.models.AppointmentStatus",
        # A new booking's statuses (a one-off's and a series'), as the input serializers list them.
        "NewAppointmentStatusEnum": ["pending", "confirmed", "completed", "no_show"],
        "ActivityKindEnum": "scheduling.models.ActivityKind",
        "MessageKindEnum": "notifications.models.Kind",
        "PlanTypeEnum": "accounts.models.PlanType",
        "ChannelEnum": "notifications.models.Channel",
        "MessageStatusEnum": "notifications.models.Status",
        "QueueEnum": "notifications.models.Queue",
        "RoleEnum": "accounts.models.Role",
        "InvitableRoleEnum": "accounts.api.serializers.INVITABLE_ROLE_CHOICES",
    },
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI assets ship with the sidecar package: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Internationalization ---------------------------------------------------------------
LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", _("Brazilian Portuguese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production serve static files straight from the app folders (no collectstatic).
WHITENOISE_USE_FINDERS = not IS_PRODUCTION

# --- Email ------------------------------------------------------------------------------
SMTP_SERVER = env_str("SMTP_SERVER")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if SMTP_SERVER else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = SMTP_SERVER or "localhost"
EMAIL_PORT = env_int("SMTP_PORT", 587)
EMAIL_HOST_USER = env_str("SMTP_USERNAME")
EMAIL_HOST_PASSWORD = env_str("SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("SMTP_USE_TLS", default=EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("SMTP_USE_SSL", default=EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("SMTP_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("FROM_EMAIL", "AgendaZap <nao-responda@agendazap.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- WhatsApp Cloud API -------------------------------------------------------------------
WHATSAPP_API_URL = env_str("WHATSAPP_API_URL", "https://graph.facebook.com/v18.0").rstrip("/")
WHATSAPP_API_TOKEN = env_str("WHATSAPP_API_TOKEN")
WHATSAPP_PHONE_NUMBER_ID = env_str("WHATSAPP_PHONE_NUMBER_ID")
WHATSAPP_VERIFY_TOKEN = env_str("WHATSAPP_VERIFY_TOKEN")
WHATSAPP_APP_SECRET = env_str("WHATSAPP_APP_SECRET")
# Dotted path of the WhatsApp backend; unset: the Cloud API when a token and a phone number id
# are set, else the console.
WHATSAPP_BACKEND = env_str("WHATSAPP_BACKEND") or (
    "notifications.backends.whatsapp.CloudAPIBackend"
    if WHATSAPP_API_TOKEN and WHATSAPP_PHONE_NUMBER_ID
    else "notifications.backends.whatsapp.ConsoleBackend"
)
# Production refuses console, file and in-memory WhatsApp or email backends (messages would be
# marked sent, never delivered) unless this says it is on purpose: a staging or demo server.
ALLOW_FAKE_MESSAGE_BACKENDS = env_bool("ALLOW_FAKE_MESSAGE_BACKENDS", default=False)
WHATSAPP_FILE_PATH = env_str("WHATSAPP_FILE_PATH", str(BASE_DIR / "var" / "whatsapp.jsonl"))
# Messages per second per WhatsApp number, across all workers (the Cloud API's default is 80).
WHATSAPP_MESSAGES_PER_SECOND = env_int("WHATSAPP_MESSAGES_PER_SECOND", 80)
WHATSAPP_TEMPLATE_LANGUAGE = env_str("WHATSAPP_TEMPLATE_LANGUAGE", "pt_BR")
# Names of the approved WhatsApp templates per kind of message (JSON object to override some).
WHATSAPP_TEMPLATE_NAMES = {
    "confirmation": "agendazap_confirmation",
    "reminder": "agendazap_reminder",
    "cancellation": "agendazap_cancellation",
    "follow_up": "agendazap_follow_up",
    "owner_new_booking": "agendazap_owner_new_booking",
    "owner_cancellation": "agendazap_owner_cancellation",
    "owner_reschedule": "agendazap_owner_reschedule",
    "waitlist_offer": "agendazap_waitlist_offer",
    "waitlist_taken": "agendazap_waitlist_taken",
    # Any other text sent outside the 24-hour window: one body parameter.
    "message": "agendazap_message",
    **env_json_object("WHATSAPP_TEMPLATE_NAMES"),
}
WHATSAPP_TIMEOUT_SECONDS = env_int("WHATSAPP_TIMEOUT_SECONDS", 15)

# Delivery of notifications: attempts before a message is failed, the first retry delay
# (doubling each time, capped: no Celery countdown beyond a few minutes), and how long a
# worker holds a message it is sending before another may take it over.
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30)
NOTIFICATIONS_RETRY_MAX_SECONDS = env_int("NOTIFICATIONS_RETRY_MAX_SECONDS", 300)
NOTIFICATIONS_CLAIM_SECONDS = env_int("NOTIFICATIONS_CLAIM_SECONDS", 120)

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # Django's default: forms read it from the page, not JS.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # /health is probed over plain HTTP by load balancers and orchestrators.
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    # Opt-in: both reach beyond this app (every subdomain of the host; the browsers' built-in
    # list, slow to leave), so Django's deploy warnings for them are silenced while they are off.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    SILENCED_SYSTEM_CHECKS = [
        check_id
        for check_id, enabled in (
            ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
            ("security.W021", SECURE_HSTS_PRELOAD),
        )
        if not enabled
    ]

# --- Logging --------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The request log below replaces Django's own per-request lines.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
