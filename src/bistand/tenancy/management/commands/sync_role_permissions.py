from django.core.management.base import BaseCommand

from bistand.tenancy.roles import ROLE_PERMISSIONS, role_label
from bistand.tenancy.services import sync_role_permissions


class Command(BaseCommand):
    help = "Ger varje roll (en Django-grupp per roll) exakt de behörigheter som står i bistand.tenancy.roles."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        groups = sync_role_permissions(using=options["database"])
        for code in groups:
            count = len(ROLE_PERMISSIONS.get(code, []))
            self.stdout.write(f"{role_label(code)} ({code}): {count} behörigheter")
