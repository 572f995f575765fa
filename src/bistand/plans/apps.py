from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "bistand.plans"
    label = "plans"
    verbose_name = "Planeringar"

    def ready(self) -> None:
        from bistand.decisions.automation import register_plan_check

        from .selectors import has_current_plan

        register_plan_check(has_current_plan)
