from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "bistand.followup"
    verbose_name = "Uppföljning"

    def ready(self):
        from bistand.payments.signals import payments_exported

        from . import services

        def _record(sender, payments, **kwargs):
            services.record_assistance_months(payments)  # looked up per call (tests replace it)

        payments_exported.connect(_record, weak=False, dispatch_uid="followup.record_assistance_months")
