"""bistand municipality add KOD NAMN --region "NAMN" [--region-code KOD]

Sets up a municipality and its region without the admin pages (idempotent: running it again with the
same values changes nothing). A new municipality starts with the default parameters: the national
default local parameters (rules/parameters/local/default.yaml) until local/<kommunkod>.yaml exists, no
delegation to automated decisions (every application goes to a case worker), and the instrument's
default assessment settings.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

import bistand.rules
from bistand.tenancy.services import add_municipality


class Command(BaseCommand):
    help = "Lägger till en kommun och dess region (bistand municipality add KOD NAMN --region NAMN)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="add")
        add = sub.add_parser("add", help="Lägg till en kommun (eller uppdatera dess namn och region).")
        add.add_argument("code", metavar="KOD", help="Kommunkoden, fyra siffror, till exempel 0680.")
        add.add_argument("name", metavar="NAMN", help="Kommunens namn, till exempel Jönköping.")
        add.add_argument("--region", required=True, metavar="NAMN", help="Regionens namn, till exempel Region Jönköpings län.")
        add.add_argument("--region-code", metavar="KOD", help="Kod för en ny region (standard: länskoden, kommunkodens två första siffror).")

    def handle(self, *args, **options) -> None:
        try:
            setup = add_municipality(actor=None, code=options["code"], name=options["name"],
                                     region_name=options["region"], region_code=options["region_code"])
        except ValidationError as error:
            labels = {"code": "Kommunkod", "name": "Namn", "region": "Region", "region_code": "Regionens kod"}
            lines = [f"{labels.get(field, field)}: {message}" for field, messages in error.message_dict.items()
                     for message in messages]
            raise CommandError("\n".join(lines)) from None
        municipality, region = setup.municipality, setup.region
        if setup.region_created:
            self.stdout.write(f"Regionen {region.name} (kod {region.code}) är skapad.")
        if setup.municipality_created:
            self.stdout.write(f"Kommunen {municipality.name} ({municipality.code}) är skapad i {region.name}.")
            local = Path(bistand.rules.__file__).parent / "parameters" / "local" / f"{municipality.code}.yaml"
            if local.exists():
                self.stdout.write(f"Lokala parametrar: local/{municipality.code}.yaml.")
            else:
                self.stdout.write("Lokala parametrar: nationella standardvärden (local/default.yaml) tills "
                                  f"local/{municipality.code}.yaml finns.")
            self.stdout.write("Automatiska beslut: avstängda tills nämndens delegation läggs in; alla ansökningar "
                              "går till en handläggare.")
        elif setup.renamed:
            self.stdout.write(f"Kommunen {municipality.code} är uppdaterad: {municipality.name} i {region.name}.")
        else:
            self.stdout.write(f"Kommunen {municipality.name} ({municipality.code}) i {region.name} fanns redan; "
                              "inget ändrades.")
