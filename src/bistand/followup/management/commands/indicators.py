"""bistand indicators (--municipality KOD | --region [NAMN]) --year ÅÅÅÅ --json

Prints the follow-up indicators of shared contract contracts/indicators.md as one JSON object on stdout,
read from the precomputed aggregates (bistand.followup.aggregates; computed and stored when missing); when
they were computed, and any change not yet counted in, is written on stderr. ``--raw`` computes them from
the person-month base instead (the same definitions; for checks and the benchmark).
``--region`` without a name takes the installation's only region. Counts are exact: the command is for
those who may see them.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bistand.followup import aggregates
from bistand.followup.indicators import Scope, compute, to_json
from bistand.tenancy.commands import add_place_arguments, municipality_of, region_of


class Command(BaseCommand):
    help = "Skriver ut uppföljningens nyckeltal för en kommun eller region och ett år som JSON."

    def add_arguments(self, parser) -> None:
        add_place_arguments(parser)
        parser.add_argument("--year", type=int, required=True, metavar="ÅÅÅÅ", help="Kalenderåret.")
        parser.add_argument("--json", action="store_true", help="Skriv ut JSON (det enda formatet just nu).")
        parser.add_argument("--raw", action="store_true",
                            help="Räkna direkt från underlaget i stället för att läsa de förberäknade nyckeltalen.")

    def handle(self, *args, **options) -> None:
        year = options["year"]
        if not 1900 <= year <= 2200:
            raise CommandError("--year: skriv året med fyra siffror, till exempel 2025.")
        if options["municipality"] is not None:
            municipality = municipality_of(options["municipality"])
            scope, read = Scope.municipality(municipality), lambda: aggregates.municipality_indicators(municipality, year)
        else:
            region = region_of(options["region"])
            scope, read = Scope.region(region), lambda: aggregates.region_indicators(region, year)
        if options["raw"]:
            self.stdout.write(to_json(compute(scope, year)))
            return
        result, aggregate = read()
        self.stdout.write(to_json(result))
        note = f"Nyckeltalen beräknades {timezone.localtime(aggregate.updated_at):%Y-%m-%d %H:%M}."
        pending = aggregates.pending_since(aggregate)
        if pending is not None:
            note += (f" Ändringar i underlaget sedan {timezone.localtime(pending):%Y-%m-%d %H:%M} väntar på att räknas "
                     "in (bistand followup refresh).")
        self.stderr.write(note)
