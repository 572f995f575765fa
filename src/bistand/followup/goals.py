"""Implementation goals of a region (issue 19 §3): the region sets a target per indicator and year (a
share), and sees each municipality's value against it, the value the year before, and where it falls short.

Which indicators may have a goal, and how each municipality's share is counted, is :data:`GOAL_INDICATORS`
(numerator and denominator over the year, from the definitions of :mod:`bistand.followup.indicators` and
:mod:`bistand.followup.method`; never a second definition). Counts only: a share whose denominator is
1–4 is suppressed like every small count on the region's pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bistand.audit.models import ChangeAction
from bistand.audit.services import display_name, record_change
from bistand.tenancy.current import get_state
from bistand.tenancy.roles import Role

from . import aggregates, method
from .dashboard import SUPPRESS_BELOW
from .models import GoalDirection, ImplementationGoal


def _method_share(function, count: str, part: str) -> Callable[[int, int], tuple[int, int]]:
    def counts(municipality_id: int, year: int) -> tuple[int, int]:
        rows = function((municipality_id,), dt.date(year, 1, 1), dt.date(year, 12, 1))
        whole = sum(row[count] - row.get("without_n", 0) for row in rows)
        return sum(row[part] for row in rows), whole
    return counts


def _long_term(municipality_id: int, year: int) -> tuple[int, int]:
    from bistand.tenancy.models import Municipality

    result, _aggregate = aggregates.municipality_indicators(Municipality.objects.get(pk=municipality_id), year)
    return result["long_term_adults"], result["adult_recipients"]


@dataclass(frozen=True)
class GoalIndicator:
    label: str
    direction: str
    counts: Callable[[int, int], tuple[int, int]]  # (municipality id, year) → (numerator, denominator)


GOAL_INDICATORS: dict[str, GoalIndicator] = {
    "first_assessment_within_days": GoalIndicator(
        "Nya vuxna med första bedömning inom kommunens antal dagar", GoalDirection.AT_LEAST,
        _method_share(method.first_assessment_within_days, "new_adults", "assessed_in_time")),
    "plan_within_three_months": GoalIndicator(
        "Nya vuxna med planering inom tre månader", GoalDirection.AT_LEAST,
        _method_share(method.plan_within_three_months, "followed", "with_plan")),
    "self_rating_coverage": GoalIndicator(
        "Bedömningar där klienten själv har skattat", GoalDirection.AT_LEAST,
        _method_share(method.self_rating_coverage, "occasions", "with_self_rating")),
    "long_term_share": GoalIndicator(
        "Andel vuxna med långvarigt bistånd", GoalDirection.AT_MOST, _long_term),
}


def _may_set_goals(user, region) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    state = get_state(user)
    return Role.REGIONAL_COORDINATOR in state.region_roles and any(r.pk == region.pk for r in state.regions)


def parse_percent(value) -> Decimal:
    """"80", "80 %", "82,5" → 0.8, 0.8, 0.825; a clear Swedish error naming the field otherwise."""
    text = str(value).replace("%", "").replace(",", ".").strip()
    try:
        percent = Decimal(text)
    except InvalidOperation:
        raise ValidationError({"target": ["Målvärde: skriv en procentsats mellan 0 och 100, till exempel 80."]}) from None
    if not percent.is_finite() or percent < 0 or percent > 100 or percent != percent.quantize(Decimal("0.01")):
        raise ValidationError({"target": ["Målvärde: skriv en procentsats mellan 0 och 100, med högst två decimaler."]})
    return (percent / 100).quantize(Decimal("0.0001"))


@transaction.atomic
def set_goal(*, actor, region, indicator: str, year: int, target_percent, direction: str | None = None) -> ImplementationGoal:
    """Set (or change) the region's target for an indicator and year. Audited; setting the same target
    again changes nothing. Only the region's coordinators may."""
    if not _may_set_goals(actor, region):
        raise PermissionDenied("Bara regionens samordnare får sätta regionens mål.")
    if indicator not in GOAL_INDICATORS:
        raise ValidationError({"indicator": ["Indikator: välj en av indikatorerna i listan."]})
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": ["År: skriv ett år med fyra siffror, till exempel 2026."]})
    direction = direction or GOAL_INDICATORS[indicator].direction
    if direction not in GoalDirection.values:
        raise ValidationError({"direction": ["Riktning: välj Minst eller Högst."]})
    target = parse_percent(target_percent)
    current = ImplementationGoal.objects.select_for_update().filter(region=region, indicator=indicator, year=year).first()
    if current is None:
        current = ImplementationGoal.objects.create(region=region, indicator=indicator, year=year, target=target,
                                                    direction=direction, set_by=display_name(actor))
        record_change(user=actor, action=ChangeAction.CREATE, instance=current, municipality_id=None,
                      changes={"indicator": {"old": None, "new": indicator}, "year": {"old": None, "new": year},
                               "target": {"old": None, "new": str(target)},
                               "direction": {"old": None, "new": direction}})
        return current
    changes = {}
    if current.target != target:
        changes["target"] = {"old": str(current.target), "new": str(target)}
    if current.direction != direction:
        changes["direction"] = {"old": current.direction, "new": direction}
    if changes:
        record_change(user=actor, action=ChangeAction.UPDATE, instance=current, municipality_id=None, changes=changes)
        current.target, current.direction = target, direction
        current.set_by, current.updated_at = display_name(actor), timezone.now()
        current.save(update_fields=["target", "direction", "set_by", "updated_at"])
    return current


# --- reads ---------------------------------------------------------------------------------------------


@dataclass
class GoalValue:
    """One municipality's share for a goal's year and the year before (None: nothing to count, or
    suppressed), and whether it falls short of the target."""

    municipality: object
    value: Decimal | None
    last_year: Decimal | None
    suppressed: bool
    short: bool


def _share(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def falls_short(value: Decimal | None, goal: ImplementationGoal) -> bool:
    if value is None:
        return False
    return value < goal.target if goal.direction == GoalDirection.AT_LEAST else value > goal.target


def _is_small(denominator: int) -> bool:
    return 0 < denominator < SUPPRESS_BELOW


def goals_of(region, year: int) -> list[ImplementationGoal]:
    return list(ImplementationGoal.objects.filter(region=region, year=year).order_by("indicator"))


def goal_progress(goal: ImplementationGoal, municipalities, *, own_municipality_id: int | None = None) -> list[GoalValue]:
    """Each municipality's value against ``goal`` (suppressed when its denominator is 1–4 and it is not the
    viewer's own municipality)."""
    spec = GOAL_INDICATORS[goal.indicator]
    out = []
    for municipality in municipalities:
        numerator, denominator = spec.counts(municipality.pk, goal.year)
        before_n, before_d = spec.counts(municipality.pk, goal.year - 1)
        own = municipality.pk == own_municipality_id
        hidden = not own and _is_small(denominator)
        value = None if hidden else _share(numerator, denominator)
        last_year = None if (not own and _is_small(before_d)) else _share(before_n, before_d)
        out.append(GoalValue(municipality, value, last_year, hidden, falls_short(value, goal)))
    return out
