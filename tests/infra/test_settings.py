from pathlib import Path

import pytest

from bistand.settings.env import ImproperSetting, env_bool, parse_database_url


def test_sqlite_url_with_three_slashes_is_relative_to_base_dir():
    entry = parse_database_url("sqlite:///var/db.sqlite3", Path("/srv/app"))
    assert entry["ENGINE"] == "django.db.backends.sqlite3"
    assert entry["NAME"] == "/srv/app/var/db.sqlite3"


def test_sqlite_url_with_four_slashes_is_absolute():
    assert parse_database_url("sqlite:////tmp/x.sqlite3", Path("/srv"))["NAME"] == "/tmp/x.sqlite3"


def test_postgres_url_with_socket_directory():
    entry = parse_database_url("postgres://u:p%40ss@:5433/bistand?host=/tmp/sock", Path("/"))
    assert entry["ENGINE"] == "django.db.backends.postgresql"
    assert (entry["NAME"], entry["USER"], entry["PASSWORD"], entry["HOST"], entry["PORT"]) == (
        "bistand", "u", "p@ss", "/tmp/sock", "5433")


def test_postgres_url_with_host_and_port():
    entry = parse_database_url("postgresql://bistand@db.example:5432/prod?sslmode=require", Path("/"))
    assert entry["HOST"] == "db.example" and entry["PORT"] == "5432"
    assert entry["OPTIONS"] == {"sslmode": "require"}


def test_unknown_database_scheme_is_a_clear_error():
    with pytest.raises(ImproperSetting, match="unsupported scheme 'mysql'"):
        parse_database_url("mysql://x/y", Path("/"))


def test_boolean_setting_rejects_unclear_values(monkeypatch):
    monkeypatch.setenv("DEBUG", "kanske")
    with pytest.raises(ImproperSetting, match="DEBUG"):
        env_bool("DEBUG")
