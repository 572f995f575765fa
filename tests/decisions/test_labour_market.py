"""Availability to the labour market (12 kap. 3 § SoL 2025:400; 4 kap. 1 § andra stycket SoL 2001:453, issue 17 §2): each
adult is registered with Arbetsförmedlingen or has a reason not to be; an explicit "not registered, no
reason" sends the application to a person with that reason, never automated. A missing answer (an
application made before the question existed) counts as not asked."""

from __future__ import annotations

import pytest

from bistand.applications import declaration as decl
from bistand.applications.selectors import adults_without_labour_market_reason
from bistand.casework.reasons import REASON_LABELS
from bistand.decisions.automation import LABELS, evaluate
from bistand.registers.services import fetch_for_application
from tests.decisions.factories import MONTH, calculate, declaration, make_application, make_delegation
from tests.factories import MunicipalityFactory, household_with_members

pytestmark = pytest.mark.django_db

CODE = "labour_market_available"


def application_with(applicant_fact, partner_fact="absent"):
    household = household_with_members(MunicipalityFactory(), adults=2 if partner_fact != "absent" else 1)
    data = declaration(household, MONTH)
    if applicant_fact is not None:
        data["members"]["applicant"]["labour_market"] = applicant_fact
    if partner_fact not in ("absent", None):
        data["members"]["partner"]["labour_market"] = partner_fact
    return make_application(household, MONTH, kind="new", decl=data)


def failure_of(application):
    facts = fetch_for_application(application)
    verdict = evaluate(application, calculate(application, facts), facts,
                       delegation=make_delegation(application.municipality))
    return next((c for c in verdict.failed if c.code == CODE), None), verdict


REGISTERED = decl.labour_market_value("yes")
NO_REASON = decl.labour_market_value("no", "none")


@pytest.mark.parametrize("fact", [
    REGISTERED,
    decl.labour_market_value("no", "sick_with_certificate"),
    decl.labour_market_value("no", "parental_leave"),
    decl.labour_market_value("no", "studies_in_plan"),
    decl.labour_market_value("no", "other", "Jag vårdar min mamma på heltid"),
    None,  # not asked: an application made before the question existed
])
def test_a_registered_adult_or_one_with_a_reason_or_not_asked_passes(fact):
    failure, _ = failure_of(application_with(fact))
    assert failure is None


def test_an_adult_not_registered_without_a_reason_sends_the_application_to_the_inbox_with_the_reason():
    application = application_with(NO_REASON)
    failure, verdict = failure_of(application)
    assert not verdict.automate
    assert failure is not None and failure.label_sv == LABELS[CODE]
    name = application.declaration["members"]["applicant"]["first_name"]
    assert f"{name} är inte inskriven på Arbetsförmedlingen" in failure.detail
    assert "12 kap. 3 § SoL" in failure.detail
    assert CODE in REASON_LABELS


def test_the_partner_is_asked_too():
    application = application_with(REGISTERED, NO_REASON)
    [adult] = adults_without_labour_market_reason(application)
    assert adult["who"] == "partner"
    failure, verdict = failure_of(application)
    assert failure is not None and not verdict.automate


def test_the_declaration_shows_the_answer_to_the_applicant_and_to_the_co_applicant_as_du():
    application = application_with(decl.labour_market_value("no", "parental_leave"), NO_REASON)
    members = application.declaration["members"]
    applicant_name, partner_name = members["applicant"]["first_name"], members["partner"]["first_name"]
    as_applicant = dict(decl.summary(application.declaration)["members"])
    assert as_applicant["Arbetsförmedlingen: du"] == "Inte inskriven på Arbetsförmedlingen. Skäl: Jag är föräldraledig"
    assert as_applicant[f"Arbetsförmedlingen: {partner_name}"] == "Inte inskriven på Arbetsförmedlingen och inget skäl"
    as_partner = dict(decl.summary(application.declaration, decl.VIEWER_PARTNER)["members"])
    assert as_partner["Arbetsförmedlingen: du"] == "Inte inskriven på Arbetsförmedlingen och inget skäl"
    assert as_partner[f"Arbetsförmedlingen: {applicant_name}"].endswith("Jag är föräldraledig")


def test_an_older_application_without_the_answer_shows_no_row():
    rows = dict(decl.summary(application_with(None).declaration)["members"])
    assert not any(label.startswith("Arbetsförmedlingen") for label in rows)


def test_other_reason_is_shown_with_its_text():
    fact = decl.labour_market_value("no", "other", "  Jag vårdar min mamma  ")
    assert fact == {"registered": False, "reason": "other", "reason_text": "Jag vårdar min mamma"}
    assert decl.labour_market_text(fact).endswith("Annat skäl: Jag vårdar min mamma")
