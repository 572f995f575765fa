from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bistand.demo"
    verbose_name = "Demodata"
