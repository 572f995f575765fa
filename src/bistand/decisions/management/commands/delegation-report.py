"""bistand delegation-report --municipality KOMMUNKOD --from ÅÅÅÅ-MM-DD --to ÅÅÅÅ-MM-DD --out FIL.csv

Writes the decisions made under the municipality's delegationsordning in the period (decision dates, both
days included), grouped by committee and kind of decision, for the anmälan to the committee: the same
CSV as the staff page "Delegationsbeslut" (no names of applicants, no personnummer)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bistand.decisions.reports import write_report_csv
from bistand.decisions.selectors import delegated_decisions
from bistand.tenancy.models import Municipality


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name} ska skrivas ÅÅÅÅ-MM-DD, till exempel 2026-03-01, inte {value!r}.") from None


class Command(BaseCommand):
    help = "Skriver delegationsbesluten för en period som CSV-fil, för anmälan till nämnden."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, metavar="KOMMUNKOD", help="Kommunkoden, fyra siffror.")
        parser.add_argument("--from", dest="date_from", required=True, metavar="ÅÅÅÅ-MM-DD", help="Första dagen.")
        parser.add_argument("--to", dest="date_to", required=True, metavar="ÅÅÅÅ-MM-DD", help="Sista dagen.")
        parser.add_argument("--out", required=True, metavar="FIL", help="CSV-filen som listan skrivs till.")

    def handle(self, *args, **options):
        start, end = _date(options["date_from"], "Första dagen (--from)"), _date(options["date_to"], "Sista dagen (--to)")
        if end < start:
            raise CommandError("Sista dagen (--to) kan inte vara före första dagen (--from).")
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"Det finns ingen kommun med kommunkoden {options['municipality']!r}.")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"Mappen {out.parent} finns inte. Skapa den eller välj en annan plats för filen.")
        rows = delegated_decisions(municipality, start, end)
        buffer = io.StringIO()
        write_report_csv(buffer, rows)
        out.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
        self.stdout.write(f"{len(rows)} delegationsbeslut {start:%Y-%m-%d}–{end:%Y-%m-%d} skrivna till {out}.")
