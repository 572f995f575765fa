"""bistand export-statistics --municipality KOD --month ÅÅÅÅ-MM --out FIL [--check]

Writes the month's files for Socialstyrelsen's register of ekonomiskt bistånd (HSLF-FS 2015:30): FIL
(bistånd, försörjningshinder, arbetsmarknadsinsatser; bilaga 1) and FIL with ``-avslut`` before the
suffix (avslutsorsaker; bilaga 2). Before anything is written it prints what in the layout and code lists
is unverified and the check of the month (what is missing, per household). A re-export writes the full
month again; every run is logged. ``--check`` prints the check and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bistand.common.months import format_month, parse_month
from bistand.followup import statistics
from bistand.followup.services import export_statistics
from bistand.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Skriver månadens statistikfiler om ekonomiskt bistånd till Socialstyrelsen (HSLF-FS 2015:30)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--municipality", metavar="KOD", required=True, help="Kommunkoden, till exempel 0680.")
        parser.add_argument("--month", metavar="ÅÅÅÅ-MM", required=True, help="Månaden biståndet avser.")
        parser.add_argument("--out", metavar="FIL", help="Filen att skriva (avsluten skrivs bredvid med -avslut).")
        parser.add_argument("--check", action="store_true", help="Kontrollera bara; skriv ingen fil.")

    def handle(self, *args, **options) -> None:
        code = options["municipality"].strip()
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise CommandError(f"--municipality: kommunen {code} finns inte i systemet.")
        try:
            month = parse_month(options["month"].strip())
        except ValueError as error:
            raise CommandError(f"--month: {error}") from None
        if not options["check"]:
            if not options["out"]:
                raise CommandError("--out: ange filen att skriva, eller --check för att bara kontrollera.")
            out = Path(options["out"])
            if not out.parent.is_dir():
                raise CommandError(f"--out: mappen {out.parent} finns inte.")
        write = self.stdout.write
        write(f"Statistik om ekonomiskt bistånd för {municipality.name} ({municipality.code}), {format_month(month)}")
        write(f"Filbeskrivning version {statistics.layout().version}, kodlistor version {statistics.codes().version}.")
        notes = statistics.unverified_notes()
        if notes:
            write("OBS! Inte verifierat mot HSLF-FS 2015:30 (bilaga 1 och 2 saknas), kontrollera före leverans:")
            for note in notes:
                write(f"  - {note}")
        if options["check"]:
            content = statistics.build(municipality, month)
            self._report(content)
            write("Kontroll gjord; ingen fil skriven.")
            return
        result = export_statistics(municipality=municipality, month=month, by="bistand export-statistics")
        self._report(result.content)
        paths = statistics.out_paths(out)
        for file, path in paths.items():
            path.write_bytes(result.files[file])
        write(f"Skrev {paths['assistance']} ({len(result.content.households)} hushåll) och "
              f"{paths['end_reasons']} ({len(result.content.ends)} avslut).")
        write(f"Exporten är loggad (nummer {result.log.pk}). En ny export skickar hela månaden igen.")

    def _report(self, content) -> None:
        write = self.stdout.write
        if not content.problems:
            write(f"Kontroll före skrivning: inga brister ({len(content.households)} hushåll, "
                  f"{len(content.ends)} avslut).")
            return
        write(f"Kontroll före skrivning: {len(content.problems)} brister "
              f"({len(content.households)} hushåll, {len(content.ends)} avslut):")
        for problem in content.problems:
            write(f"  - {statistics.FILE_LABELS[problem.file]}: {problem}")
