from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "bistand.decisions"
    verbose_name = "Beslut"

    def ready(self) -> None:
        from bistand.applications.selectors import register_input_finisher

        from .selectors import housing_grace_input

        register_input_finisher(housing_grace_input)
