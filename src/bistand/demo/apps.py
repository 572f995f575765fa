from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bistand.demo"
    verbose_name = "Demodata"

    def ready(self) -> None:
        from bistand.identity.simulator import register_suggestions

        from .simulators import eid_suggestions

        register_suggestions(eid_suggestions)
