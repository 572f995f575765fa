"""Production: DEBUG off, secure cookies, SECRET_KEY and DATABASE_URL required."""

import os

from .base import *  # noqa: F401,F403
from .env import ImproperSetting, env_bool, persistent_connections

DEBUG = False
if not os.environ.get("SECRET_KEY"):
    raise ImproperSetting("SECRET_KEY must be set in production")
if not os.environ.get("DATABASE_URL"):
    raise ImproperSetting("DATABASE_URL must be set in production")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # off only when the proxy redirects itself
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # the proxy must set (not pass on) it
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BISTAND_ALLOW_SIMULATORS = False  # no simulated e-ID or register data in production
# Each gunicorn worker keeps its database connection between requests (?conn_max_age=N in DATABASE_URL
# overrides the 60 s; 0 opens one per request).
DATABASES = {**DATABASES, "default": persistent_connections(DATABASES["default"], os.environ["DATABASE_URL"])}  # noqa: F405
