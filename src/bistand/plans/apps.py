from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "bistand.plans"
    label = "plans"
    verbose_name = "Planeringar"
