"""bistand backup --out FIL

A backup of the whole database: PostgreSQL with pg_dump (custom format), SQLite with the online backup
API (bistand.retention.backup). FIL.manifest.json beside it holds every table's row count and checksums
of decisions and payments, which ``bistand restore`` checks. Exit codes: 0 done; 1 failed.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bistand.retention import backup


class Command(BaseCommand):
    help = "Säkerhetskopierar hela databasen till en fil (PostgreSQL: pg_dump, SQLite: backup-API:t)."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="filen som säkerhetskopian skrivs till")
        parser.add_argument("--database", default="default", help="databasens alias (standard: default)")

    def handle(self, *args, out: str, database: str, **options):
        try:
            result = backup.backup(Path(out), using=database)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(result.manifest["counts"].values())
        self.stdout.write(f"Säkerhetskopian är skriven till {result.path} ({len(result.manifest['counts'])} tabeller, "
                          f"{rows} rader). Förteckningen: {backup.manifest_path(result.path)}")
