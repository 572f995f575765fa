from django.apps import AppConfig


class PluginAppConfig(AppConfig):
    name = "tests.plugin_app"
    label = "kommunens_plugin"

    def ready(self) -> None:
        from . import client  # noqa: F401  (registers the plugin)
