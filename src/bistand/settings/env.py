"""Reading settings from environment variables (every variable is documented in docs/configuration.md)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


class ImproperSetting(Exception):
    """An environment variable has a value the system cannot use."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperSetting(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_database_url(url: str, base_dir: Path) -> dict:
    """Turn a DATABASE_URL into a Django DATABASES entry.

    Supported: ``sqlite:///relative/or/absolute/path.sqlite3`` (three slashes = relative to the
    project's data directory, four = absolute), ``sqlite://:memory:``, and
    ``postgres://user:password@host:port/name`` (also ``postgresql://``; ``?host=/socket/dir`` for a
    Unix socket).
    """
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        raw = unquote(url[len("sqlite://") :])
        if raw in {":memory:", "/:memory:"}:
            name = ":memory:"
        elif raw.startswith("//"):
            name = raw[1:]
        elif raw.startswith("/"):
            name = str(base_dir / raw[1:])
        else:
            raise ImproperSetting("DATABASE_URL for SQLite must look like sqlite:///path/to/file.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        query = parse_qs(parsed.query)
        host = unquote(parsed.hostname or "") or query.get("host", [""])[0]
        entry = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "bistand",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": host,
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": int(query.get("conn_max_age", ["0"])[0]),
            "OPTIONS": {},
        }
        if "sslmode" in query:
            entry["OPTIONS"]["sslmode"] = query["sslmode"][0]
        return entry
    raise ImproperSetting(f"DATABASE_URL has an unsupported scheme {scheme!r}: use sqlite:// or postgres://")


def persistent_connections(entry: dict, url: str, seconds: int = 60) -> dict:
    """A PostgreSQL entry of DATABASES that keeps its connection between requests (``CONN_MAX_AGE``
    ``seconds``, with a health check at the start of each request so a restarted server costs no error),
    unless the URL sets ``conn_max_age`` itself. Opening a connection per request costs a PostgreSQL
    backend process and the client's start-up queries every time (docs/performance.md, load test)."""
    if not entry["ENGINE"].endswith("postgresql"):
        return entry
    out = {**entry, "CONN_HEALTH_CHECKS": True}
    if "conn_max_age" not in parse_qs(urlparse(url).query):
        out["CONN_MAX_AGE"] = seconds
    return out

