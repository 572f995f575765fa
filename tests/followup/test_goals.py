"""Implementation goals of a region: set by its coordinators (audited, idempotent), each municipality's
value against the target, suppressed where the count is small."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bistand.audit.models import AuditEvent
from bistand.followup import goals
from bistand.followup.models import ImplementationGoal
from bistand.tenancy.models import Municipality
from bistand.tenancy.roles import Role
from tests.factories import RegionFactory, user_with_role
from tests.followup.test_indicators import region  # noqa: F401 (fixture)


def _events():
    return AuditEvent.objects.filter(model="followup.implementationgoal")


def test_a_coordinator_sets_a_target_once_and_changing_it_is_audited(region):
    coordinator = user_with_role(Role.REGIONAL_COORDINATOR, region=region)
    goal = goals.set_goal(actor=coordinator, region=region, indicator="first_assessment_within_days", year=2025,
                          target_percent="80 %")
    assert goal.target == Decimal("0.8000") and goal.direction == "at_least"
    goals.set_goal(actor=coordinator, region=region, indicator="first_assessment_within_days", year=2025,
                   target_percent="80")
    assert ImplementationGoal.objects.count() == 1 and _events().count() == 1
    goals.set_goal(actor=coordinator, region=region, indicator="first_assessment_within_days", year=2025,
                   target_percent="82,5")
    assert ImplementationGoal.objects.get().target == Decimal("0.8250")
    assert _events().count() == 2
    assert _events().order_by("pk").last().changes["target"] == {"old": "0.8000", "new": "0.8250"}


@pytest.mark.parametrize("role_of", ["other_region", "manager"])
def test_only_the_regions_own_coordinators_may_set_its_goals(region, role_of):
    if role_of == "manager":
        user = user_with_role(Role.MANAGER, Municipality.objects.get(code="0680"))
    else:
        user = user_with_role(Role.REGIONAL_COORDINATOR, region=RegionFactory())
    with pytest.raises(PermissionDenied):
        goals.set_goal(actor=user, region=region, indicator="long_term_share", year=2025, target_percent="10")
    assert not ImplementationGoal.objects.exists()


@pytest.mark.parametrize("kwargs, field", [
    ({"target_percent": "åttio"}, "target"), ({"target_percent": "120"}, "target"),
    ({"target_percent": "-1"}, "target"), ({"indicator": "okänd"}, "indicator"), ({"year": 199}, "year"),
])
def test_bad_input_is_refused_naming_the_field(region, kwargs, field):
    coordinator = user_with_role(Role.REGIONAL_COORDINATOR, region=region)
    arguments = {"indicator": "long_term_share", "year": 2025, "target_percent": "10", **kwargs}
    with pytest.raises(ValidationError) as error:
        goals.set_goal(actor=coordinator, region=region, **arguments)
    assert field in error.value.message_dict


def test_a_municipality_above_an_at_most_target_falls_short_and_small_counts_are_suppressed(region):
    coordinator = user_with_role(Role.REGIONAL_COORDINATOR, region=region)
    goal = goals.set_goal(actor=coordinator, region=region, indicator="long_term_share", year=2025, target_percent="10")
    rows = {row.municipality.code: row for row in goals.goal_progress(goal, region.municipalities.order_by("code"))}
    assert rows["0680"].value == Decimal("0.2000") and rows["0680"].short  # 1 of 5 adults, more than 10 %
    assert rows["0680"].last_year is None or rows["0680"].last_year >= 0
    assert rows["0662"].suppressed and rows["0662"].value is None and not rows["0662"].short  # 1 adult
    own = goals.goal_progress(goal, region.municipalities.order_by("code"),
                              own_municipality_id=Municipality.objects.get(code="0662").pk)
    assert own[0].municipality.code == "0662" and own[0].value == Decimal("0.0000") and not own[0].suppressed


def test_falls_short_follows_the_direction():
    at_least = ImplementationGoal(target=Decimal("0.8"), direction="at_least")
    assert goals.falls_short(Decimal("0.79"), at_least) and not goals.falls_short(Decimal("0.8"), at_least)
    at_most = ImplementationGoal(target=Decimal("0.1"), direction="at_most")
    assert goals.falls_short(Decimal("0.11"), at_most) and not goals.falls_short(Decimal("0.1"), at_most)
    assert not goals.falls_short(None, at_least)
