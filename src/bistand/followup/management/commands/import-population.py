"""bistand import-population FILE.csv

Reads population figures (SCB, 31 December) per municipality, year, sex and age group; the columns are
documented in bistand/followup/population.py and docs/followup.md. All or nothing: any fault → exit 1,
every fault named by line and column, nothing written.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bistand.followup.history import HistoryFileError
from bistand.followup.population import import_population


class Command(BaseCommand):
    help = "Läser in folkmängd per kommun, år, kön och åldersgrupp (SCB) från en CSV-fil."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FIL.csv")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Filen {path} går inte att läsa: {error.strerror}.") from None
        try:
            created, changed = import_population(data)
        except HistoryFileError as error:
            raise CommandError("Filen lästes inte in, inget har sparats:\n" + str(error)) from None
        self.stdout.write(f"Klart: {created} nya rader med folkmängd, {changed} ändrade.")
