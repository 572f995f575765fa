"""The demo loads an assistance history long enough that every follow-up indicator has values."""

from __future__ import annotations

import pytest

from bistand.demo import loader
from bistand.demo.history import generate_history
from bistand.followup import indicators
from bistand.followup.models import PersonMonth
from bistand.followup.population import population_shares
from bistand.tenancy.models import Municipality, Region

pytestmark = pytest.mark.django_db


def test_the_history_is_the_same_for_the_same_arguments_and_other_for_another_seed():
    import datetime as dt

    args = dict(households_per_municipality=5, first_month=dt.date(2022, 1, 1), last_month=dt.date(2025, 12, 1))
    assert generate_history(["0680", "0662"], **args) == generate_history(["0680", "0662"], **args)
    assert generate_history(["0680", "0662"], **args) != generate_history(["0680", "0662"], seed=2, **args)


def test_every_indicator_of_the_year_before_the_demo_month_has_a_value_and_loading_again_changes_nothing():
    with loader.quiet_audit_console():
        summary = loader.load_demo(households_per_municipality=2, months=2, last_month="2026-06")
    assert summary.history.created > 3000
    rows = PersonMonth.objects.count()
    region = Region.objects.get()
    for scope in [indicators.Scope.region(region),
                  *(indicators.Scope.municipality(m) for m in Municipality.objects.all())]:
        result = indicators.compute(scope, 2025)
        empty = [name for name, value in result.items() if not value]
        assert empty == [], f"{scope.label}: {empty}"
        shares = population_shares(scope, 2025, result)
        assert all(share.value is not None and share.value > 0 for share in shares.values()), shares
    with loader.quiet_audit_console():
        again = loader.load_demo(households_per_municipality=2, months=2, last_month="2026-06")
    assert (again.history.created, again.history.unchanged) == (0, summary.history.rows - summary.history.decided_in_system)
    assert PersonMonth.objects.count() == rows
