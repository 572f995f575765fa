"""`flush` empties the whole database (used by Django's transactional tests): it may remove the rows that
the database guards protect (bistand.audit.guards); nothing else may."""

from django.core.management.commands.flush import Command as FlushCommand

from bistand.audit.guards import guards_lifted


class Command(FlushCommand):
    def handle(self, **options):
        with guards_lifted("flush: the whole database is emptied", using=options["database"]):
            return super().handle(**options)
