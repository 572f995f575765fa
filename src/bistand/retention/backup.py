"""Backup and restore of the whole database (``bistand backup --out F``, ``bistand restore F``).

* PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (one transaction, stops at the first error),
  from ``BISTAND_PG_BINDIR`` (default: the newest /usr/lib/postgresql/*/bin, else PATH). The dump holds the
  schema with its triggers, so the restored database guards its records as the original did.
* SQLite: the online backup API (``sqlite3.Connection.backup``): a consistent copy while the system runs.

Beside the backup, ``F.manifest.json`` records every table's row count and a sha256 checksum of the
decisions, their lines and the payments. ``restore`` checks the restored database against it and says
in Swedish what differs.
"""

from __future__ import annotations

import copy
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connections
from django.db.utils import load_backend

#: The tables whose content, not only their size, must come back exactly.
CHECKSUM_TABLES = ("decisions_decision", "decisions_decisionline", "payments_payment")
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that failed; the message is Swedish and says what to do."""


def pg_bindir() -> Path:
    configured = os.environ.get("BISTAND_PG_BINDIR")
    if configured:
        return Path(configured)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if candidates:
        return Path(candidates[-1])
    found = shutil.which("pg_dump")
    if found:
        return Path(found).parent
    raise BackupError("Hittar inte pg_dump. Installera PostgreSQL:s klientprogram eller sätt BISTAND_PG_BINDIR.")


def _pg_env(settings_dict: dict) -> dict[str, str]:
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                      ("NAME", "PGDATABASE")):
        value = settings_dict.get(key)
        if value:
            env[name] = str(value)
    return env


def _run(args: list[str], settings_dict: dict) -> None:
    result = subprocess.run(args, env=_pg_env(settings_dict), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} misslyckades ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _sqlite_name(settings_dict: dict) -> tuple[str, bool]:
    name = str(settings_dict["NAME"])
    return name, name.startswith("file:")


def raw_connection(settings_dict: dict):
    """A DB-API connection of its own to the database ``settings_dict`` describes."""
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="__backup__")
    return wrapper.get_new_connection(wrapper.get_connection_params())


def _tables(raw, vendor: str) -> list[str]:
    cursor = raw.cursor()
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def fingerprint(settings_dict: dict) -> dict:
    """Every table's row count and the checksums of CHECKSUM_TABLES (rows by id, each column as text)."""
    vendor = "sqlite" if "sqlite" in settings_dict["ENGINE"] else "postgresql"
    raw = raw_connection(settings_dict)
    try:
        cursor = raw.cursor()
        counts = {}
        for table in _tables(raw, vendor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        checksums = {}
        for table in CHECKSUM_TABLES:
            digest = hashlib.sha256()
            if table in counts:
                cursor.execute(f'SELECT * FROM "{table}" ORDER BY id')
                columns = [d[0] for d in cursor.description]
                for row in cursor.fetchall():
                    digest.update(json.dumps(dict(zip(columns, row, strict=True)), sort_keys=True, default=str).encode())
                    digest.update(b"\n")
            checksums[table] = digest.hexdigest()
        return {"format": FORMAT, "vendor": vendor, "counts": counts, "checksums": checksums}
    finally:
        raw.close()


@dataclass
class Result:
    path: Path
    manifest: dict


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def backup(out: Path, *, using: str = "default") -> Result:
    """Write a backup of the database ``using`` to ``out`` (and its manifest beside it)."""
    settings_dict = connections[using].settings_dict
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise BackupError(f"--out: mappen {out.parent} finns inte.")
    vendor = connections[using].vendor
    if vendor == "postgresql":
        _run([str(pg_bindir() / "pg_dump"), "--format=custom", "--no-owner", "--file", str(out)], settings_dict)
    elif vendor == "sqlite":
        name, uri = _sqlite_name(settings_dict)
        source = sqlite3.connect(name, uri=uri)
        target = sqlite3.connect(str(out))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:  # pragma: no cover - only the two databases are supported
        raise BackupError(f"Säkerhetskopiering stöds inte för databasen {vendor}.")
    manifest = fingerprint(settings_dict)
    manifest_path(out).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return Result(out, manifest)


def target_settings(using: str = "default", name: str | None = None) -> dict:
    """The settings of database ``using``, or of another database ``name`` on the same server."""
    settings_dict = copy.deepcopy(connections[using].settings_dict)
    if name is not None:
        settings_dict["NAME"] = name
    return settings_dict


def restore(source: Path, settings_dict: dict) -> Result:
    """Restore the backup ``source`` into the database ``settings_dict`` describes (its content is
    replaced), then check it against the manifest when there is one."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Säkerhetskopian {source} finns inte.")
    vendor = "sqlite" if "sqlite" in settings_dict["ENGINE"] else "postgresql"
    if vendor == "postgresql":
        _run([str(pg_bindir() / "pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", "--dbname", str(settings_dict["NAME"]), str(source)], settings_dict)
    else:
        name, uri = _sqlite_name(settings_dict)
        backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(name, uri=uri)
        try:
            backup_file.backup(target)
        finally:
            target.close()
            backup_file.close()
    manifest = {}
    if manifest_path(source).is_file():
        manifest = json.loads(manifest_path(source).read_text(encoding="utf-8"))
        found = fingerprint(settings_dict)
        differs = [t for t in set(manifest["counts"]) | set(found["counts"])
                   if manifest["counts"].get(t) != found["counts"].get(t)]
        differs += [f"{t} (kontrollsumma)" for t in CHECKSUM_TABLES if manifest["checksums"].get(t) != found["checksums"].get(t)]
        if differs:
            raise BackupError("Den återställda databasen stämmer inte med säkerhetskopians förteckning: "
                              + ", ".join(sorted(differs)))
    return Result(source, manifest)
