"""bistand load-instrument FILE [--municipality KOD]: load an instrument package (idempotent)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bistand.assessment import package
from bistand.assessment.services import install_package
from bistand.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Läs in ett instrumentpaket (YAML). Med --municipality gäller det bara den kommunen."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--municipality", help="kommunkod; utan den gäller paketet alla kommuner")

    def handle(self, *args, file, municipality=None, **options):
        target = None
        if municipality:
            target = Municipality.objects.filter(code=municipality).first()
            if target is None:
                raise CommandError(f"Kommunen {municipality} finns inte.")
        try:
            version = install_package(package.load_file(file), municipality=target)
        except (ValidationError, OSError) as error:
            messages = getattr(error, "messages", [str(error)])
            raise CommandError("\n".join(messages)) from None
        where = f"kommun {target.code}" if target else "alla kommuner"
        self.stdout.write(f"{version} ({version.checksum[:12]}) är inläst för {where}.")
