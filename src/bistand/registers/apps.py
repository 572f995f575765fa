from django.apps import AppConfig
from django.core import checks

from bistand.common.plugins import check_plugins


class RegistersConfig(AppConfig):
    name = "bistand.registers"
    verbose_name = "Registeruppgifter"

    def ready(self) -> None:
        # The register plugins register themselves when their modules are imported (bistand.common.plugins).
        from .ssbtek import simulator  # noqa: F401

        checks.register(check_plugins, "bistand")
