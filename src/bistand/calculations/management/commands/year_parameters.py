"""`bistand year_parameters export|import`: a municipality's "Parametrar för nästa år" as YAML, in exactly
the format of rules/parameters/riksnorm/<year>.yaml, for those who keep the figures in git.

    year_parameters export --municipality 0684 --year 2027 [--out 2027.yaml] [--unconfirmed]
    year_parameters import --municipality 0684 --file 2027.yaml --user anna.admin

An import is entered in the name of --user and counts only once another administrator has confirmed it
(admin page "Parametrar för nästa år"): the four-eyes rule is the same as on the page.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bistand.calculations import selectors, services
from bistand.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Exportera eller importera en kommuns parametrar för nästa år som YAML (formatet i riksnorm/<år>.yaml)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="skriv årsfilen (senast bekräftade) till --out eller standard ut")
        export.add_argument("--municipality", required=True, help="kommunkod, till exempel 0684")
        export.add_argument("--year", required=True, type=int)
        export.add_argument("--out", help="fil att skriva till (standard: standard ut)")
        export.add_argument("--unconfirmed", action="store_true", help="den senast inmatade, även om den inte är bekräftad")
        imp = sub.add_parser("import", help="mata in en årsfil; en annan administratör bekräftar den")
        imp.add_argument("--municipality", required=True)
        imp.add_argument("--file", required=True)
        imp.add_argument("--user", required=True, help="användarnamnet på administratören som matar in")

    def _municipality(self, code: str) -> Municipality:
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise CommandError(f"Det finns ingen kommun med kommunkoden {code}.")
        return municipality

    def handle(self, *args, **options):
        municipality = self._municipality(options["municipality"])
        if options["action"] == "export":
            entry = selectors.latest_year_parameters(municipality, options["year"],
                                                     confirmed=not options["unconfirmed"])
            if entry is None:
                state = "inmatade" if options["unconfirmed"] else "bekräftade"
                raise CommandError(f"{municipality} har inga {state} parametrar för {options['year']}.")
            text = selectors.year_document(entry)
            if options["out"]:
                Path(options["out"]).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        user = get_user_model()._default_manager.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"Det finns ingen användare {options['user']}.")
        try:
            text = Path(options["file"]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror or exc}") from None
        from bistand.tenancy.current import attach, resolve

        attach(user, resolve(user, municipality.pk))  # the user works in this municipality for the command
        try:
            entry = services.import_year_document(actor=user, municipality=municipality, text=text)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Parametrarna för {entry.year} ({entry.sfs}) är inmatade. En annan administratör "
                          "ska bekräfta dem på sidan Parametrar för nästa år.")
