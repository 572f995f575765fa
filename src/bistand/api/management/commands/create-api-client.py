"""`bistand create-api-client NAME`: create an API client and print its key once."""

from django.core.management.base import BaseCommand, CommandError

from bistand.api.services import create_api_client


class Command(BaseCommand):
    help = "Skapar en API-klient och skriver ut dess nyckel. Nyckeln visas bara en gång."

    def add_arguments(self, parser):
        parser.add_argument("name", help="klientens namn, t.ex. systemet som ska använda API:t")

    def handle(self, *args, name, **options):
        try:
            client, key = create_api_client(name=name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"API-klienten {client.name!r} är skapad. Spara nyckeln nu – den kan inte visas igen.\n"
            "Skicka den i huvudet  Authorization: Bearer <nyckel>"
        )
        self.stdout.write(key)
