"""Test settings: fast password hashing; the database comes from DATABASE_URL (SQLite by default,
a throwaway PostgreSQL cluster with `pytest --postgres`)."""

import os
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import DATABASES
from .env import parse_database_url

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"] = parse_database_url("sqlite://:memory:", Path.cwd())
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
