from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "bistand.payments"
    verbose_name = "Utbetalningar"

    def ready(self):
        from bistand.decisions.signals import decision_reconsidered

        from .services import settle_reconsideration

        def _settle(sender, old, new, user, **kwargs):
            settle_reconsideration(old, new, user)

        decision_reconsidered.connect(_settle, weak=False, dispatch_uid="payments.settle_reconsideration")
