"""``bistand run``: migrate, load the demo data into an empty database, print the logins and serve.

The development server runs without the auto-reloader: with it, Django starts the command a second
time in a child process (migrating and printing the logins twice) and restarts it on every file
change, which a demo does not need. Developers who want reloading run ``bistand runserver``.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bistand.demo import loader

DEFAULT_ADDRPORT = "127.0.0.1:8000"


def url_for(addrport: str) -> str:
    """The address to open in a browser for ``addrport`` ("8000", "127.0.0.1:8000", "0.0.0.0:8000")."""
    if ":" in addrport and not addrport.startswith("["):
        host, port = addrport.rsplit(":", 1)
    elif addrport.isdigit():
        host, port = "127.0.0.1", addrport
    else:
        host, port = addrport, "8000"
    if host in ("", "0", "0.0.0.0"):
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = (
        "Startar Bistånd för demonstration: uppdaterar databasen (migrate), läser in demodata om databasen "
        "är tom, skriver ut demoinloggningarna och startar webbservern på http://127.0.0.1:8000/."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default=DEFAULT_ADDRPORT,
                            help=f"Adress och port (standard {DEFAULT_ADDRPORT}).")
        parser.add_argument("--no-demo", action="store_true", help="Läs inte in demodata.")
        parser.add_argument("--no-serve", action="store_true", help="Starta inte webbservern (för test och skript).")

    def handle(self, *args, **options):
        addrport = options["addrport"]
        loader.ensure_database_directory()
        call_command("migrate", interactive=False, verbosity=max(0, options["verbosity"] - 1))
        password = loader.demo_password()
        url = url_for(addrport)
        if not options["no_demo"] and not loader.database_has_data():
            self.stdout.write("Databasen är tom. Läser in demodata …")
            try:
                with loader.quiet_audit_console():
                    summary = loader.load_demo(
                        password=password, households_per_municipality=loader.DEFAULT_HOUSEHOLDS_PER_MUNICIPALITY
                    )
            except loader.DemoDataError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(loader.format_summary(summary, password, url=url))
        else:
            logins = loader.set_demo_passwords(password)
            if logins:
                self.stdout.write(loader.format_logins(logins, password, url=url))
            else:
                self.stdout.write(f"Öppna {url} i webbläsaren.")
        if options["no_serve"]:
            return
        self.stdout.write("")
        call_command("runserver", addrport, use_reloader=False)
