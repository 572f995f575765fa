"""Production: DEBUG off, secure cookies, SECRET_KEY and DATABASE_URL required."""

import os

from .base import *  # noqa: F401,F403
from .env import ImproperSetting

DEBUG = False
if not os.environ.get("SECRET_KEY"):
    raise ImproperSetting("SECRET_KEY must be set in production")
if not os.environ.get("DATABASE_URL"):
    raise ImproperSetting("DATABASE_URL must be set in production")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BISTAND_ALLOW_SIMULATORS = False  # no simulated e-ID or register data in production
