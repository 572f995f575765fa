from django.apps import AppConfig
from django.core import checks


def check_plugins(app_configs=None, **kwargs):
    """``manage.py check`` (and every command that runs the checks) warns about each problem with the
    configured plugins of outside systems (e.g. a simulator where simulators are not allowed)."""
    from .registry import check_config

    return [
        checks.Warning(message, hint=f"Ändra BISTAND_{kind.upper()}_PLUGIN eller insticksprogrammets inställningar.",
                       id=f"bistand.registers.W{index:03d}", obj=f"{kind}:{name}")
        for index, (kind, name, message) in enumerate(check_config(), start=1)
    ]


class RegistersConfig(AppConfig):
    name = "bistand.registers"
    verbose_name = "Registeruppgifter"

    def ready(self) -> None:
        checks.register(check_plugins, "bistand")
