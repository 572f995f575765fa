from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "bistand.retention"
    verbose_name = "Gallring"
