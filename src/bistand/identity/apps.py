from django.apps import AppConfig
from django.core import checks

from bistand.common.plugins import check_plugins


class IdentityConfig(AppConfig):
    name = "bistand.identity"
    verbose_name = "E-legitimation och inloggning"

    def ready(self) -> None:
        # The e-ID plugins register themselves when their modules are imported (bistand.common.plugins).
        from . import oidc, simulator  # noqa: F401

        checks.register(check_plugins, "bistand")
