from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "bistand.research"
    verbose_name = "Forskning och simulering"
