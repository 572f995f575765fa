"""No generated text ever counts as the case worker's reason (issue 17 §2): a refused or reduced line
needs a reason the case worker wrote; the calculation's own explanation (its warning, the proposal) is a
suggestion shown beside the field, never the reason itself."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.decisions import services
from bistand.decisions.models import Outcome
from bistand.decisions.proposals import propose
from bistand.decisions.services import DecisionError
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application, rent_grace_over
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def jonkoping():
    return MunicipalityFactory(code="0680", name="Jönköping")


@pytest.fixture
def caseworker(jonkoping):
    return user_with_role(Role.CASEWORKER, jonkoping)


@pytest.fixture
def rent_above_ceiling(jonkoping):
    """A one-adult household in Jönköping whose rent (7 000 kr) is above the ceiling (5 900 kr) after its
    rådrum ended last month (so only the ceiling counts: a partial refusal), calculated."""
    household = household_with_members(jonkoping, adults=1, birth_date=dt.date(1984, 4, 4))
    rent_grace_over(household)
    application = make_application(household, MONTH, kind="new", costs={"rent": 7000, "household_electricity": 300},
                                   incomes=[("wage", "applicant", 3000)])
    return application, calculate(application, register_facts=[])


def test_the_calculations_text_is_a_suggestion_not_the_reason(rent_above_ceiling):
    application, calculation = rent_above_ceiling
    rent = next(line for line in propose(application, calculation).lines if line.item == "rent")
    assert rent.outcome == Outcome.PARTLY_REFUSED
    assert "högre än kommunens tak" in rent.suggestion
    assert rent.reason == ""
    assert propose(application, calculation).missing_reasons == ["Boendekostnad (hyra)"]


def test_a_partly_refused_line_without_the_caseworkers_reason_is_refused(rent_above_ceiling, caseworker):
    application, calculation = rent_above_ceiling
    with pytest.raises(DecisionError, match="Boendekostnad \\(hyra\\)"):
        services.issue_decision(application, calculation, caseworker)


def test_the_generated_text_typed_back_unchanged_does_not_count(rent_above_ceiling, caseworker):
    application, calculation = rent_above_ceiling
    suggestion = next(line for line in propose(application, calculation).lines if line.item == "rent").suggestion
    with pytest.raises(DecisionError, match="Boendekostnad \\(hyra\\)"):
        services.issue_decision(application, calculation, caseworker, line_reasons={"rent": f"  {suggestion} "})


def test_the_caseworkers_own_reason_is_kept_with_the_calculations_explanation(rent_above_ceiling, caseworker):
    application, calculation = rent_above_ceiling
    decision = services.issue_decision(application, calculation, caseworker,
                                       line_reasons={"rent": "Du har haft tre månader att hitta en billigare bostad."})
    rent = decision.lines.get(item="rent")
    assert "högre än kommunens tak" in rent.reason
    assert "Du har haft tre månader att hitta en billigare bostad." in rent.reason
    assert "Du har haft tre månader att hitta en billigare bostad." in decision.reasons
