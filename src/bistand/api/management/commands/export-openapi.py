"""`bistand export-openapi [--out FILE]`: write the API's OpenAPI document (committed as
docs/api/openapi.json; a test checks that the committed file matches the code)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from bistand.api.openapi import openapi_json


class Command(BaseCommand):
    help = "Skriver API:ts OpenAPI-dokument (JSON) till standard ut eller till en fil."

    def add_arguments(self, parser):
        parser.add_argument("--out", metavar="FILE", help="fil att skriva till, t.ex. docs/api/openapi.json")

    def handle(self, *args, out=None, **options):
        text = openapi_json()
        if out:
            Path(out).write_text(text, encoding="utf-8")
            self.stderr.write(f"Skrev {out}")
        else:
            self.stdout.write(text, ending="")
