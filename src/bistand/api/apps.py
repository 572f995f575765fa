from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bistand.api"
    verbose_name = "API"
