from django.apps import AppConfig


class CalculationsConfig(AppConfig):
    name = "bistand.calculations"
    verbose_name = "Beräkningar"

    def ready(self) -> None:
        # The rules package asks for the years a municipality's administrators have confirmed
        # ("Parametrar för nästa år"); without them a year after the packaged ones is provisional.
        from bistand.rules.parameters import set_documents_provider

        from .selectors import confirmed_year_documents

        set_documents_provider(confirmed_year_documents)
