from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "bistand.plans"
    label = "plans"
    verbose_name = "Planeringar"

    def ready(self) -> None:
        from bistand.applications.selectors import register_input_part
        from bistand.decisions.automation import register_plan_check, register_reduction_check

        from .selectors import has_current_plan, reduction_inputs, reduction_matter

        register_plan_check(has_current_plan)
        register_reduction_check(reduction_matter)
        register_input_part(reduction_inputs)
