from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "bistand.portal"
    verbose_name = "E-tjänst för sökande"
