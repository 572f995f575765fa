"""bistand indicators (--municipality KOD | --region [NAMN]) --year ÅÅÅÅ --json

Prints the follow-up indicators of shared contract contracts/indicators.md as one JSON object on stdout.
``--region`` without a name takes the installation's only region. Counts are exact: the command is for
those who may see them.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bistand.followup.indicators import Scope, compute, to_json
from bistand.tenancy.commands import add_place_arguments, municipality_of, region_of


class Command(BaseCommand):
    help = "Skriver ut uppföljningens nyckeltal för en kommun eller region och ett år som JSON."

    def add_arguments(self, parser) -> None:
        add_place_arguments(parser)
        parser.add_argument("--year", type=int, required=True, metavar="ÅÅÅÅ", help="Kalenderåret.")
        parser.add_argument("--json", action="store_true", help="Skriv ut JSON (det enda formatet just nu).")

    def handle(self, *args, **options) -> None:
        year = options["year"]
        if not 1900 <= year <= 2200:
            raise CommandError("--year: skriv året med fyra siffror, till exempel 2025.")
        if options["municipality"] is not None:
            scope = Scope.municipality(municipality_of(options["municipality"]))
        else:
            scope = Scope.region(region_of(options["region"]))
        self.stdout.write(to_json(compute(scope, year)))
