"""When the partner makes the next month's application the roles in the declaration swap: each adult's
answer about Arbetsförmedlingen (12 kap. 3 § SoL) follows the adult, not the role."""

from __future__ import annotations

import pytest

from bistand.applications import declaration as decl
from bistand.applications import services
from bistand.applications.models import Application
from tests.applications.test_services import a_test_number, fill_all
from tests.factories import MunicipalityFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_each_adults_answer_follows_them_when_the_partner_applies_next_month():
    person = PersonFactory(municipality=MunicipalityFactory())
    partner_number = a_test_number(1987, 3)
    first = services.start_application(person=person, month="2026-02")
    members = {"applicant": {**decl.person_fact(person), "labour_market": decl.labour_market_value("yes")},
               "partner": {"person_id": None, "personnummer": partner_number, "first_name": "Pia", "last_name": "P",
                           "labour_market": decl.labour_market_value("no", "parental_leave"), **decl.SOURCE},
               "children": []}
    first = fill_all(first, person, members=members)
    first = services.submit(first, first.submission_key, person=person).application
    partner = services.ensure_person(municipality=first.municipality, personnummer=partner_number,
                                     given_name="Pia", family_name="P")
    Application.objects.filter(pk=first.pk).update(co_applicant=partner)
    services.confirm_as_co_applicant(Application.objects.get(pk=first.pk), person=partner)
    recurring = services.prefill_recurring(first.household, "2026-03", person=partner)
    swapped = recurring.declaration["members"]
    assert swapped["applicant"]["personnummer"] == partner_number
    assert swapped["applicant"]["labour_market"] == decl.labour_market_value("no", "parental_leave")
    assert swapped["partner"]["labour_market"] == decl.labour_market_value("yes")
