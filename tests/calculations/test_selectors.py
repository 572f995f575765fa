"""Reading stored calculations: scoped to the user's municipality, newest first, one query."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.template.loader import render_to_string

from bistand.calculations.selectors import calculation_for, calculations_for, calculations_for_household
from bistand.common.formatting import format_kronor
from bistand.common.months import add_months, format_month, parse_month
from bistand.tenancy.current import get_state
from bistand.tenancy.roles import Role
from tests.calculations.factories import StoredCalculationFactory
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory(code="0684", name="Sävsjö")


@pytest.fixture
def household(municipality):
    return household_with_members(municipality)


def store_months(household, first: str, count: int):
    start = parse_month(first)
    return [StoredCalculationFactory(household=household, month=format_month(add_months(start, i)),
                                     rent=5000 + 10 * i) for i in range(count)]


def test_the_last_twelve_calculations_newest_month_first(household, municipality):
    rows = store_months(household, "2025-01", 15)
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    shown = calculations_for_household(household, caseworker)
    assert [c.pk for c in shown] == [c.pk for c in reversed(rows)][:12]
    assert [c.month for c in shown] == sorted((c.month for c in shown), reverse=True)
    assert len(calculations_for_household(household, caseworker, last_n=3)) == 3


def test_a_recalculation_of_a_month_comes_before_the_first_one(household, municipality):
    first = StoredCalculationFactory(household=household, month="2025-05", rent=5000)
    second = StoredCalculationFactory(household=household, month="2025-05", rent=5100)
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    assert [c.pk for c in calculations_for_household(household, caseworker)] == [second.pk, first.pk]


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.APPROVER, Role.MANAGER, Role.ADMIN])
def test_roles_with_person_data_in_the_municipality_see_the_history(household, municipality, role):
    store_months(household, "2025-01", 2)
    assert len(calculations_for_household(household, user_with_role(role, municipality))) == 2


@pytest.mark.parametrize("role", [Role.RESEARCHER])
def test_roles_without_person_data_see_nothing(household, municipality, role):
    store_months(household, "2025-01", 2)
    assert calculations_for_household(household, user_with_role(role, municipality)) == []


def test_a_caseworker_of_another_municipality_sees_nothing(household):
    rows = store_months(household, "2025-01", 2)
    stranger = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    assert calculations_for_household(household, stranger) == []
    assert not calculations_for(stranger).exists()
    with pytest.raises(Http404):
        calculation_for(stranger, rows[0].pk)


def test_a_regional_coordinator_sees_nothing(household):
    store_months(household, "2025-01", 1)
    coordinator = user_with_role(Role.REGIONAL_COORDINATOR)
    assert calculations_for_household(household, coordinator) == []


def test_the_history_is_one_query_however_many_rows(household, municipality, django_assert_num_queries):
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    get_state(caseworker)  # the user's municipality is resolved once per request, by the middleware
    store_months(household, "2025-01", 3)
    with django_assert_num_queries(1):
        calculations_for_household(household, caseworker)
    store_months(household, "2025-04", 12)
    with django_assert_num_queries(1):
        rows = calculations_for_household(household, caseworker)
        [row.made_by_name for row in rows]


def test_the_history_template_shows_each_month_and_its_trace(household, municipality):
    rows = store_months(household, "2025-01", 2)
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    html = render_to_string("calculations/_household_history.html",
                            {"calculations": calculations_for_household(household, caseworker)})
    assert "<caption>" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "januari 2025" in html and "februari 2025" in html
    newest = rows[-1]
    assert f'id="berakning-{newest.pk}"' in html
    for line in newest.result["lines"]:
        assert line["label"] in html or line["label"].replace("&", "&amp;") in html
    assert newest.engine_version in html and newest.short_parameter_hash in html
    assert format_kronor(newest.amount_ore) in html
    assert format_kronor(round(newest.result["need"] * 100)) in html


def test_the_history_template_says_when_there_is_nothing():
    html = render_to_string("calculations/_household_history.html", {"calculations": []})
    assert "inga sparade beräkningar" in html
    assert "<table" not in html
