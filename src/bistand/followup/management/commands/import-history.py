"""bistand import-history FILE.csv [--replace]

Reads a municipality's assistance history (shared contract contracts/assistance-history.md) into the
base of the follow-up indicators. All or nothing: any faulty row → exit 1, every fault listed with its
line and column on stderr, nothing written. Importing the same file again changes nothing; a row whose
key (municipality, personnummer, month) is already imported with other data is a fault unless
``--replace`` is given. A progress bar goes to stderr, the summary in Swedish to stdout.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bistand.followup.history import HistoryFileError
from bistand.followup.services import import_history


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


class Command(BaseCommand):
    help = "Läser in historik över försörjningsstöd (en rad per person och månad) från en CSV-fil."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FIL.csv", help="Filen med historiken (UTF-8, kommaseparerad).")
        parser.add_argument("--replace", action="store_true",
                            help="Ersätt redan inlästa månader som filen har andra uppgifter för.")
        parser.add_argument("--no-progress", action="store_true", help="Visa ingen förloppsindikator.")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Filen {path} går inte att läsa: {error.strerror}.") from None
        total = data.count(b"\n") * 2  # every row is read once and written once
        with tqdm(total=total, file=self.stderr._out, unit=" rader", disable=options["no_progress"],
                  desc="Läser in historik", leave=False) as bar:
            try:
                result = import_history(data, file_name=path.name, replace=options["replace"], progress=bar.update)
            except HistoryFileError as error:
                lines = [str(fault) for fault in error.errors]
                if error.truncated:
                    lines.append("… och fler fel (läsningen avbröts).")
                raise CommandError("Filen lästes inte in, inget har sparats:\n" + "\n".join(lines)) from None
        self.stdout.write(
            f"Klart: {_n(result.rows)} rader. {_n(result.created)} nya personmånader, {_n(result.replaced)} ersatta, "
            f"{_n(result.unchanged)} oförändrade"
            + (f", {_n(result.decided_in_system)} redan beslutade i systemet (beslutet gäller)" if result.decided_in_system else "")
            + f". {_n(result.persons_created)} nya personer, {_n(result.persons_found)} fanns redan (deras uppgifter ändrades inte)."
        )
