"""Prints, as JSON, what the monthly run has written for one month (used by test_crash.py in a
subprocess against the database of DATABASE_URL):

    python -m tests.casework.crash_state 0680 2026-03
"""

from __future__ import annotations

import json
import sys


def state(code: str, month: str) -> dict:
    from django.db.models import Count

    from bistand.applications.models import Application
    from bistand.calculations.models import StoredCalculation
    from bistand.casework.models import Referral
    from bistand.common.months import parse_month
    from bistand.decisions.models import Decision
    from bistand.payments.models import Payment
    from bistand.registers.models import RegisterFact, RegisterFetch

    month_date = parse_month(month)
    decisions = Decision.objects.filter(municipality__code=code, month=month_date)
    return {
        "applications": sorted(Application.objects.filter(municipality__code=code, month=month_date)
                               .values_list("pk", "status")),
        "decisions": sorted(decisions.values_list("application_id", "outcome", "amount_ore", "automated", "status")),
        "decisions_per_application": sorted(set(decisions.values("application_id").annotate(n=Count("pk"))
                                                .values_list("n", flat=True))),
        "lines": sorted(decisions.values_list("application_id", "lines__item", "lines__granted_ore")),
        "payments": sorted(Payment.objects.filter(decision__in=decisions)
                           .values_list("decision__application_id", "amount_ore", "status", "account")),
        "unpaid_automated": decisions.filter(automated=True, payment__isnull=True).count(),
        "referrals": sorted(Referral.objects.filter(application__municipality__code=code, application__month=month_date)
                            .values_list("application_id", "codes")),
        "fetches": sorted(RegisterFetch.objects.filter(municipality__code=code, period=month_date)
                          .values_list("person_id", "number", "fact_count")),
        "facts": RegisterFact.objects.filter(municipality__code=code, period=month_date).count(),
        "calculations": sorted(StoredCalculation.objects.filter(municipality__code=code, month=month_date,
                                                                made_by="system")
                               .values_list("household_id", "input_hash", "amount_ore")),
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(state(sys.argv[1], sys.argv[2])))
