"""Invariant (../shared/design/ARCHITECTURE.md): whatever is paid for a household and month never
exceeds its latest decision — an omprövning pays the difference, never the whole again — over any
sequence of reconsider / schedule / approve / export / bank status / stop / re-issue operations."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from bistand.decisions import services as decision_services
from bistand.decisions.models import Decision, DecisionStatus
from bistand.payments import services
from bistand.payments.models import OverpaymentClaim, Payment, PaymentStatus
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role
from tests.payments.bankfiles import pain002
from tests.payments.factories import debtor_account, issued_decision
from tests.payments.test_reconsideration import calculation_with_rent

OPERATIONS = st.one_of(
    st.tuples(st.just("reconsider"), st.sampled_from([0, 3000, 4000, 5000, 6000])),
    st.tuples(st.sampled_from(["schedule", "approve", "export", "executed", "rejected", "stop", "reissue",
                               "schedule_old"]), st.just(0)),
)


def latest(decision) -> Decision:
    while True:
        newer = Decision.objects.filter(reconsiders=decision, status=DecisionStatus.ISSUED).first()
        if newer is None:
            return decision
        decision = newer


class TestPaidNeverExceedsLatestDecision(HypothesisTestCase):
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(OPERATIONS, min_size=1, max_size=10))
    def test_paid_and_on_its_way_never_exceeds_the_latest_decision(self, operations):
        municipality = MunicipalityFactory()
        debtor_account(municipality)
        worker = user_with_role(Role.CASEWORKER, municipality)
        approver = user_with_role(Role.APPROVER, municipality)
        first = issued_decision(municipality, decided_by=worker, rent=4000)
        household, month = first.household, first.month
        export_day = dt.date(2026, 3, 2)
        for operation, rent in operations:
            current = latest(first)
            payments = Payment.objects.filter(decision__household=household, decision__month=month)
            if operation == "reconsider":
                calculation = None if rent == 0 else calculation_with_rent(first, rent)
                decision_services.reconsider(current, worker, calculation=calculation, caseworker_text="Omprövning.",
                                             outcome="refused" if rent == 0 else None,
                                             worsening_exception="misleading_information",
                                             worsening_reason="Felaktiga uppgifter i ansökan.")
            elif operation in ("schedule", "schedule_old"):
                target = current if operation == "schedule" else first
                try:
                    services.schedule_payment(target, user=worker)
                except services.PaymentError:
                    pass
            elif operation == "approve":
                for payment in payments.filter(status=PaymentStatus.SCHEDULED):
                    try:
                        services.approve(payment, approver)
                    except services.PaymentError:
                        pass
            elif operation == "export":
                if payments.filter(status=PaymentStatus.APPROVED).exists():
                    services.export_payments(municipality, export_day)
                    export_day += dt.timedelta(days=1)
            elif operation in ("executed", "rejected"):
                for payment in payments.filter(status=PaymentStatus.EXPORTED):
                    code = ("ACSC", "") if operation == "executed" else ("RJCT", "AC01")
                    content = pain002(payment.export.message_id, [(payment.end_to_end_id, code[0], code[1], "")])
                    services.import_bank_status(content, municipality_ids=[municipality.pk])
            elif operation == "stop":
                for payment in payments.filter(status__in=(PaymentStatus.SCHEDULED, PaymentStatus.APPROVED)):
                    services.cancel(payment, worker, "Stoppad i testet.")
            elif operation == "reissue":
                for payment in payments.filter(status__in=(PaymentStatus.CANCELLED, PaymentStatus.REJECTED)):
                    try:
                        services.reissue(payment, worker, "Nytt försök.")
                    except services.PaymentError:
                        pass
            self.assert_within_latest_decision(first)

    def assert_within_latest_decision(self, first):
        current = latest(first)
        payments = Payment.objects.filter(decision__household=first.household, decision__month=first.month)
        paid = sum(p.amount_ore for p in payments if p.status in services.PAID)
        committed = sum(p.amount_ore for p in payments if p.status in services.COMMITTED)
        on_its_way = committed - paid
        # New money never goes beyond the latest decision ...
        assert on_its_way <= max(0, current.amount_ore - paid), (current.amount_ore, paid, on_its_way)
        # ... nor is a month ever paid twice in full.
        assert committed <= max(current.amount_ore, paid)
        # Only payments of the latest decision wait for the bank.
        assert not payments.filter(status__in=(PaymentStatus.SCHEDULED, PaymentStatus.APPROVED)).exclude(decision=current).exists()
        # Money paid above the latest decision is recorded for a case worker (återkrav), never decided.
        claims = OverpaymentClaim.objects.filter(household=first.household, month=first.month)
        assert all(c.status == "open" for c in claims)
