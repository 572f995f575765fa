from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "bistand.followup"
    verbose_name = "Uppföljning"

    def ready(self):
        from bistand.calculations.paid_months import register_paid_months_source
        from bistand.payments.signals import payments_exported

        from . import selectors, services

        register_paid_months_source(selectors.paid_months_of_persons)

        def _record(sender, payments, **kwargs):
            services.record_assistance_months(payments)  # looked up per call (tests replace it)

        payments_exported.connect(_record, weak=False, dispatch_uid="followup.record_assistance_months")
