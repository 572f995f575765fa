"""has_current_plan(person, month): the default hook of the automation criterion ``current_plan``."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.decisions.automation import plan_check
from bistand.plans import services
from bistand.plans.models import ResponseKind
from bistand.plans.selectors import has_current_plan
from tests.plans.factories import adult_in, plan_with_goal, shared_plan

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


def accepted(person, kind=ResponseKind.ACCEPTED, **fields):
    plan = shared_plan(person, **fields)
    services.respond(plan=plan, person=person, kind=kind, comment="" if kind == ResponseKind.ACCEPTED else "Okej")
    return plan


@pytest.mark.parametrize("kind", [ResponseKind.ACCEPTED, ResponseKind.ACCEPTED_WITH_COMMENT])
def test_an_accepted_plan_valid_in_the_month_is_current(kind):
    person = adult_in()
    accepted(person, kind)
    assert has_current_plan(person, MARCH)


def test_a_draft_a_shared_and_a_disputed_plan_are_not_current():
    person = adult_in()
    plan = plan_with_goal(person)
    assert not has_current_plan(person, MARCH)
    services.share_plan(actor=None, plan=plan)
    assert not has_current_plan(person, MARCH)
    services.respond(plan=plan, person=person, kind=ResponseKind.DISPUTED, comment="Nej")
    assert not has_current_plan(person, MARCH)


def test_a_closed_plan_is_not_current():
    person = adult_in()
    plan = accepted(person)
    services.close_plan(actor=None, plan=plan)
    assert not has_current_plan(person, MARCH)


@pytest.mark.parametrize(("valid_from", "valid_to", "current"), [
    (dt.date(2026, 3, 31), None, True),
    (dt.date(2026, 4, 1), None, False),
    (dt.date(2025, 1, 1), dt.date(2026, 3, 1), True),
    (dt.date(2025, 1, 1), dt.date(2026, 2, 28), False),
])
def test_the_plan_must_be_valid_some_day_of_the_month(valid_from, valid_to, current):
    person = adult_in()
    accepted(person, valid_from=valid_from, valid_to=valid_to)
    assert has_current_plan(person, MARCH) is current


def test_another_persons_plan_does_not_count():
    person = adult_in()
    accepted(adult_in(person.municipality))
    assert not has_current_plan(person, MARCH)
    assert not has_current_plan(None, MARCH)


def test_has_current_plan_is_the_hook_the_plans_app_registers_with_the_automation():
    assert plan_check() is has_current_plan
