"""bistand followup refresh [--all]

Counts the changed months of the person-month base into the precomputed follow-up
(:func:`bistand.followup.aggregates.refresh`): what ``import-history``, payment exports and end reasons
marked since the last refresh. Idempotent: nothing waiting, nothing done. ``--all`` recomputes every
stored aggregate and every year with data (after a change the writers do not mark, e.g. a person's
birth date corrected).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from bistand.followup import aggregates


class Command(BaseCommand):
    help = "Uppföljningens förberäknade nyckeltal: räkna in ändringar i underlaget (refresh)."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="refresh")
        refresh = commands.add_parser("refresh", help="Räkna in ändrade månader i de förberäknade nyckeltalen.")
        refresh.add_argument("--all", action="store_true", help="Räkna om alla nyckeltal, inte bara de ändrade.")

    def handle(self, *args, **options) -> None:
        result = aggregates.refresh(everything=options["all"])
        if options["all"]:
            self.stdout.write(f"Alla nyckeltal räknades om: {result.aggregates} på {result.seconds:.1f} s.")
        elif not result.touches:
            self.stdout.write("Inget väntade på omräkning.")
        else:
            self.stdout.write(f"{result.touches} ändrade månader räknades in: {result.aggregates} nyckeltal räknades om "
                              f"på {result.seconds:.1f} s.")
