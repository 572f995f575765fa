from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "bistand.tenancy"
    verbose_name = "Organisation och behörighet"
