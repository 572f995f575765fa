"""``bistand demo``: load the demo data (see bistand/demo/loader.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bistand.demo import loader


class Command(BaseCommand):
    help = (
        "Läser in demodata: Region Exempel med Jönköping (0680), Gislaved (0662) och Sävsjö (0684), enheter, "
        "en användare per roll och kommun, och påhittade hushåll med sparade beräkningar för varje månad. "
        "Samma frö ger samma data; att köra kommandot igen skapar inga dubbletter. Personerna har bara "
        "Skatteverkets testpersonnummer. Lösenordet för demoanvändarna tas från miljövariabeln "
        f"{loader.PASSWORD_ENV} (annars {loader.DEFAULT_PASSWORD})."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=loader.DEFAULT_SEED,
                            help=f"Frö för slumptalen (standard {loader.DEFAULT_SEED}).")
        parser.add_argument("--months", type=int, default=loader.DEFAULT_MONTHS,
                            help=f"Antal månader historik per hushåll (standard {loader.DEFAULT_MONTHS}).")
        parser.add_argument("--households-per-municipality", type=int,
                            default=loader.DEFAULT_HOUSEHOLDS_PER_MUNICIPALITY,
                            help=f"Antal hushåll per kommun (standard {loader.DEFAULT_HOUSEHOLDS_PER_MUNICIPALITY}).")
        parser.add_argument("--last-month", default=None, metavar="ÅÅÅÅ-MM",
                            help="Historikens sista månad (standard: innevarande månad).")
        parser.add_argument("--reset", action="store_true",
                            help="Ta först bort demokommunernas personer, hushåll och beräkningar.")

    def handle(self, *args, **options):
        loader.ensure_database_directory()
        password = loader.demo_password()
        try:
            with loader.quiet_audit_console():
                summary = loader.load_demo(
                    seed=options["seed"],
                    households_per_municipality=options["households_per_municipality"],
                    months=options["months"],
                    last_month=options["last_month"],
                    reset=options["reset"],
                    password=password,
                )
        except (loader.DemoDataError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(loader.format_summary(summary, password))
