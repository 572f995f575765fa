"""bistand research-export --project SLUG --out KATALOG [--user ANVÄNDARNAMN]

Writes a research project's pseudonymised export (issue 21 §1): per table a Parquet and a CSV file, the
codebook (codebook.csv) and the manifest (manifest.json with the row counts and the SHA-256 of every file).
Refused unless every municipality of the project has approved it and the ethics approval is valid.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bistand.research.models import ResearchProject
from bistand.research.services import ExportRefused, run_export


class Command(BaseCommand):
    help = "Exporterar ett godkänt forskningsprojekts pseudonymiserade data (Parquet och CSV, kodbok, manifest)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--project", required=True, metavar="KORTNAMN", help="Projektets kortnamn, t.ex. demo-studie.")
        parser.add_argument("--out", required=True, metavar="KATALOG", help="Katalogen som filerna skrivs till.")
        parser.add_argument("--user", metavar="ANVÄNDARNAMN",
                            help="Den som exporterar (ska finnas bland dem som får ladda ner); loggas.")

    def handle(self, *args, **options) -> None:
        project = ResearchProject.objects.filter(slug=options["project"].strip()).first()
        if project is None:
            raise CommandError(f"--project: det finns inget forskningsprojekt med kortnamnet ”{options['project']}”.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"--user: det finns ingen användare ”{options['user']}”.")
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"--out: {out} finns redan och är inte en katalog.")
        try:
            export = run_export(project=project, out_dir=out, user=user, via="command")
        except ExportRefused as exc:
            raise CommandError(str(exc)) from None
        report = export.suppression
        self.stdout.write(f"Exporterade {project.slug} till {out}:")
        for item in export.files:
            self.stdout.write(f"  {item['name']}  sha256 {item['sha256']}")
        self.stdout.write(f"k-anonymitet (k = {report['k']}): {report['rows_in']} personer, "
                          f"{report['rows_suppressed']} borttagna.")
        for step in report["steps"]:
            self.stdout.write(f"  {step['step']}: " + ", ".join(f"{k} {v}" for k, v in step.items() if k != "step"))
