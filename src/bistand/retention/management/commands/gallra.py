"""bistand gallra --municipality KOMMUNKOD [--dry-run]

Gallring (SoL 2025:400 16 kap. 1 §): reports the cases of the municipality whose time in its retention
plan has run out (five years after the last entry unless the plan says otherwise, except what is kept for
research) and removes them, one transaction per case. ``--dry-run`` only reports. The report holds counts
only. Exit codes: 0 done; 1 some cases could not be removed (they are tried again next time); 2 wrong
arguments.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from bistand.retention import services
from bistand.tenancy.models import Municipality


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


class Command(BaseCommand):
    help = "Gallrar (tar bort) ärenden vars tid i kommunens gallringsplan har gått ut. --dry-run visar bara."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="kommunkoden, till exempel 0680")
        parser.add_argument("--dry-run", action="store_true", help="visa vad som skulle gallras, ta inte bort något")

    def handle(self, *args, municipality: str, dry_run: bool, **options):
        try:
            target = Municipality.objects.get(code=municipality)
        except Municipality.DoesNotExist:
            raise CommandError(f"--municipality: det finns ingen kommun med koden {municipality!r}.", returncode=2) from None
        report = services.gallra(target, dry_run=dry_run)
        verb = "skulle gallras" if dry_run else "gallrades"
        lines = [
            f"Gallring för {target.name} ({target.code}){' – bara rapport, inget togs bort' if dry_run else ''}:",
            f"  ärenden i kommunen: {_n(report.cases)}",
            f"  hela ärenden som {verb}: {_n(report.due if dry_run else report.removed)}",
            f"  ärenden där en del (registeruppgifter, bilagor) {verb}: {_n(report.parts)}",
            f"  ärenden som bevaras för forskning: {_n(report.kept_for_research)}",
            f"  betalfiler som {verb}: {_n(report.bank_files)}",
        ]
        if report.records:
            lines.append(f"  uppgifter som {verb}:")
            lines += [f"    {label}: {_n(count)}" for label, count in sorted(report.records.items())]
        if report.failed:
            lines.append(f"  kunde inte gallras: {_n(len(report.failed))} ärenden (försöks igen nästa gång)")
            lines += [f"    {reason}" for reason in sorted(set(report.failed))]
        self.stdout.write("\n".join(lines))
        if report.failed:
            sys.exit(1)
