"""Settings shared by every environment. Every value that varies is read from an environment variable;
see docs/configuration.md for the list."""

from __future__ import annotations

from pathlib import Path

from django.conf.locale import LANG_INFO

from bistand.common.languages import LANG_INFO_EASY_SWEDISH

from .env import env_bool, env_list, env_str, parse_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("BISTAND_DATA_DIR", str(Path.cwd() / "var")))

SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",  # Content-Security-Policy header (django-csp)
    "axes",  # login throttling and lockout (django-axes)
    "ninja",  # serves the API docs (Swagger UI) from local static files instead of a CDN
    "bistand.tenancy",
    "bistand.people",
    "bistand.audit",
    "bistand.calculations",
    "bistand.staff",
    "bistand.api",
    "bistand.demo",
    "bistand.registers",
    "bistand.identity",
    "bistand.decisions",
    "bistand.applications",
    "bistand.portal",
    "bistand.payments",
    "bistand.followup",
    "bistand.casework",
    "bistand.assessment",
    "bistand.plans",
    "bistand.research",
    "bistand.appeals",
    "bistand.retention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "bistand.middleware.NoStoreMiddleware",
    "bistand.middleware.DatabaseUnavailableMiddleware",  # a lost database connection → a Swedish 503
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bistand.middleware.ApplicantLanguageMiddleware",  # the e-service in the applicant's chosen language
    "bistand.middleware.OwnErrorPagesMiddleware",  # DEBUG only: the Swedish 404/500 pages (bistand.errors)
    "django.middleware.common.CommonMiddleware",
    "bistand.middleware.UploadSizeLimitMiddleware",  # before CSRF, which reads the body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bistand.middleware.StaffIdleTimeoutMiddleware",
    "bistand.tenancy.middleware.TenancyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out login attempt (bistand.tenancy.lockout)
]

# Role permissions follow the municipality the user works in right now (bistand.tenancy.backends).
# django-axes comes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = ["bistand.tenancy.lockout.LockoutBackend", "bistand.tenancy.backends.MembershipBackend"]

# Login throttling and lockout (django-axes, docs/configuration.md): after AXES_FAILURE_LIMIT failed
# attempts for one account, or from one address, that account or address is locked for AXES_COOLOFF_TIME
# hours. The same counts apply to the admin login and to API keys (bistand.api.auth).
AXES_FAILURE_LIMIT = int(env_str("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env_str("AXES_COOLOFF_TIME", "0.25"))  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # either one: per address and per account
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bistand.tenancy.lockout.locked_out"
AXES_IPWARE_META_PRECEDENCE_ORDER = env_list("AXES_IPWARE_META_PRECEDENCE_ORDER", ["REMOTE_ADDR"])
AXES_VERBOSE = False

ROOT_URLCONF = "bistand.urls"
WSGI_APPLICATION = "bistand.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bistand.tenancy.context_processors.tenancy",
                "bistand.staff.menu.staff_menu",
                "bistand.common.languages.context",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'bistand.sqlite3'}"),
        Path.cwd(),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/konto/logga-in/"
LOGIN_REDIRECT_URL = "/handlaggning/"
LOGOUT_REDIRECT_URL = "/konto/logga-in/"

# Languages of the e-service (docs/e-service.md, "Språk"; bistand.common.languages). Swedish is the default
# and the only language of the staff pages; the applicant may choose easy-to-read Swedish (lättläst, our
# code "sv-ll": Swedish, so <html lang="sv">) or English. The choice is a cookie, never Accept-Language.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("sv-ll", "Lättläst svenska"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANG_INFO.setdefault("sv-ll", LANG_INFO_EASY_SWEDISH)
LANGUAGE_COOKIE_NAME = "bistand_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Stockholm")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # src/bistand/static: base CSS and vendored htmx

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(env_str("SESSION_COOKIE_AGE", str(8 * 3600)))
# A signed-in session also ends after this many seconds without a request (bistand.middleware).
BISTAND_STAFF_IDLE_TIMEOUT = int(env_str("BISTAND_STAFF_IDLE_TIMEOUT", str(30 * 60)))

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline. Inline
# style attributes remain in some templates, so styles allow 'unsafe-inline' (styles cannot run code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less hx-headers on <body>

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "bistand": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        "bistand.audit": {"handlers": ["console"], "level": env_str("AUDIT_LOG_LEVEL", "INFO"), "propagate": False},
    },
}

# Local rule parameters (rent ceilings etc.) can be overridden from a directory of YAML files.
BISTAND_LOCAL_PARAMETERS_DIR = env_str("BISTAND_LOCAL_PARAMETERS_DIR", None)

# Applicant e-service: e-ID and attachments (docs/configuration.md). Simulators (e-ID, SSBTEK) are
# refused when BISTAND_ALLOW_SIMULATORS is false; the production settings switch them off.
BISTAND_ALLOW_SIMULATORS = env_bool("BISTAND_ALLOW_SIMULATORS", True)
BISTAND_EID_PLUGIN = env_str("BISTAND_EID_PLUGIN", "simulator")


def _oidc_from_env(prefix: str, extra: tuple[str, ...] = ()) -> dict:
    keys = ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "SCOPES", "REDIRECT_URI", "PERSONNUMMER_CLAIM", "ALGORITHMS",
            "ACR_VALUES", "TOKEN_AUTH_METHOD", "TIMEOUT", "CLOCK_SKEW", *extra)
    return {key: env_str(f"{prefix}{key}", "") for key in keys}


BISTAND_OIDC = _oidc_from_env("BISTAND_OIDC_")
BISTAND_STAFF_OIDC = _oidc_from_env("BISTAND_STAFF_OIDC_", ("USERNAME_CLAIM", "ROLES_CLAIM", "ROLE_MAP", "SYNC_ROLES"))
BISTAND_ATTACHMENT_DIR = env_str("BISTAND_ATTACHMENT_DIR", str(DATA_DIR / "attachments"))
BISTAND_ATTACHMENT_MAX_BYTES = int(env_str("BISTAND_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
# The days after submitting within which the applicant is promised an answer (the e-service's receipt).
BISTAND_ANSWER_WITHIN_DAYS = int(env_str("BISTAND_ANSWER_WITHIN_DAYS", "10"))
# The largest API request body (bistand.api.limits); must not exceed DATA_UPLOAD_MAX_MEMORY_SIZE.
BISTAND_API_MAX_BODY_BYTES = int(env_str("BISTAND_API_MAX_BODY_BYTES", str(2 * 1000 * 1000)))

# Register data (SSBTEK) and automated decisions (docs/configuration.md).
BISTAND_SSBTEK_PLUGIN = env_str("BISTAND_SSBTEK_PLUGIN", "simulator")
BISTAND_SSBTEK_SIMULATOR_DEVIATING = env_list("BISTAND_SSBTEK_SIMULATOR_DEVIATING", [])
BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = int(env_str("BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT", "5"))
BISTAND_SSBTEK_SIMULATOR_FIXTURES = env_str("BISTAND_SSBTEK_SIMULATOR_FIXTURES", None)
BISTAND_REGISTER_TOLERANCE_ORE = int(env_str("BISTAND_REGISTER_TOLERANCE_ORE", "0"))
BISTAND_REGISTER_TOLERANCE_PERCENT = int(env_str("BISTAND_REGISTER_TOLERANCE_PERCENT", "0"))
# The monthly run's schedule (bistand monthly-run --due, docs/operations.md): the assistance of a month is
# paid on this day of the month before; the run is due this many days before.
BISTAND_MONTHLY_PAYMENT_DAY = int(env_str("BISTAND_MONTHLY_PAYMENT_DAY", "25"))
BISTAND_MONTHLY_RUN_DAYS_BEFORE = int(env_str("BISTAND_MONTHLY_RUN_DAYS_BEFORE", "5"))

# Research exports (bistand.research.export): every combination of the quasi-identifiers must have at least
# this many persons (k-anonymity); smaller groups are coarsened and then suppressed.
BISTAND_RESEARCH_K = int(env_str("BISTAND_RESEARCH_K", "5"))
