"""bistand restore FIL [--noinput]

Replaces the whole content of the database with the backup FIL (``bistand backup``) and checks the
result against FIL.manifest.json: every table's row count and the checksums of decisions and payments.
Asks before it replaces anything unless ``--noinput``. Exit codes: 0 done and checked; 1 failed.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bistand.retention import backup


class Command(BaseCommand):
    help = "Återställer databasen från en säkerhetskopia (bistand backup) och kontrollerar resultatet."

    def add_arguments(self, parser):
        parser.add_argument("file", help="säkerhetskopian")
        parser.add_argument("--database", default="default", help="databasens alias (standard: default)")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="fråga inte innan databasens innehåll ersätts")

    def handle(self, *args, file: str, database: str, interactive: bool, **options):
        settings_dict = backup.target_settings(database)
        if interactive:
            answer = input(f"Allt innehåll i databasen {settings_dict['NAME']} ersätts med {file}. Skriv ja för att fortsätta: ")
            if answer.strip().lower() != "ja":
                raise CommandError("Avbrutet: ingenting har ändrats.")
        try:
            result = backup.restore(Path(file), settings_dict)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        checked = "kontrollerad mot förteckningen" if result.manifest else "ingen förteckning fanns att kontrollera mot"
        self.stdout.write(f"Databasen är återställd från {result.path} ({checked}).")
