from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles_after_migrate(sender, using="default", **kwargs):
    from .services import sync_role_permissions

    sync_role_permissions(using=using)


class TenancyConfig(AppConfig):
    name = "bistand.tenancy"
    verbose_name = "Organisation och behörighet"

    def ready(self):
        # One Django group per role, with the permissions of bistand.tenancy.roles (after every migrate,
        # also after the test database is created or flushed).
        post_migrate.connect(_sync_roles_after_migrate, sender=self, dispatch_uid="bistand.tenancy.sync_roles")
        from . import lockout  # noqa: F401  (failed sign-ins become audit events)
