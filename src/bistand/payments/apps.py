from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "bistand.payments"
    verbose_name = "Utbetalningar"

    def ready(self):
        from bistand.decisions.signals import decision_reconsidered

        from . import services

        def _settle(sender, old, new, user, **kwargs):
            services.settle_reconsideration(old, new, user)  # looked up per call (tests replace it)

        decision_reconsidered.connect(_settle, weak=False, dispatch_uid="payments.settle_reconsideration")
