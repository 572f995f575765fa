from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "bistand.followup"
    verbose_name = "Uppföljning"

    def ready(self):
        from bistand.payments.signals import payments_exported

        from .services import record_assistance_months

        def _record(sender, payments, **kwargs):
            record_assistance_months(payments)

        payments_exported.connect(_record, weak=False, dispatch_uid="followup.record_assistance_months")
