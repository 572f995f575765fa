from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "bistand.casework"
    verbose_name = "Handläggning och månadskörning"
