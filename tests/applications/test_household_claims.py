"""What an applicant declares about other people is a claim stored on the application: it never writes
the household register (Person, HouseholdMember) before a case worker accepts it, or — for a partner —
before the partner confirms with their own e-ID. A declared member who already belongs to another
household sends the application to a case worker with that reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from bistand.applications import declaration as decl
from bistand.applications import selectors, services
from bistand.applications.models import ApplicationStatus
from bistand.audit.models import AuditEvent
from bistand.people import personnummer as pnr
from bistand.people.models import HouseholdMember, HouseholdRole, Person
from bistand.tenancy.roles import Role
from tests.applications.test_services import MONTH, fill_all
from tests.factories import ChildFactory, MunicipalityFactory, PersonFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

CHILD_NUMBER = pnr.test_number(dt.date(2019, 2, 3), 1).normalised
PARTNER_NUMBER = pnr.test_number(dt.date(1988, 5, 17), 4).normalised


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def person(municipality):
    return PersonFactory(municipality=municipality)


def _child(number=CHILD_NUMBER, first_name="Bo"):
    return {"key": "barn1", "person_id": None, "personnummer": number, "first_name": first_name,
            "last_name": "Typad", "days_present": None, "lunch_away_from_home": False, **decl.SOURCE}


def _partner(number=PARTNER_NUMBER, first_name="Pia"):
    return {"person_id": None, "personnummer": number, "first_name": first_name, "last_name": "Typad", **decl.SOURCE}


def _submit(person, *, partner=None, children=()):
    application = services.start_application(person=person, month=MONTH)
    application = fill_all(application, person, members={"partner": partner, "children": list(children),
                                                         "other_adults_in_dwelling": 0})
    return services.submit(application, application.submission_key, person=person).application


def _registered(household):
    return dict(HouseholdMember.objects.filter(household=household).values_list("person_id", "role"))


def test_a_declared_child_is_a_claim_and_creates_no_person_and_no_member(person, municipality):
    submitted = _submit(person, children=[_child()])
    assert not Person.objects.filter(personnummer=CHILD_NUMBER).exists()
    assert _registered(submitted.household) == {person.pk: HouseholdRole.APPLICANT}
    claim = submitted.declaration["members"]["children"][0]
    assert claim["personnummer"] == CHILD_NUMBER and claim["first_name"] == "Bo"


def test_a_child_of_another_household_is_not_moved_and_sends_the_application_to_a_case_worker(person, municipality):
    other = household_with_members(municipality, children=1)
    taken = HouseholdMember.objects.get(household=other, role=HouseholdRole.CHILD)
    before = _registered(other)
    submitted = _submit(person, children=[_child(taken.person.personnummer, first_name="Påhittad")])
    assert _registered(other) == before
    assert _registered(submitted.household) == {person.pk: HouseholdRole.APPLICANT}
    assert submitted.needs_caseworker
    reasons = {r["code"]: r["label"] for r in submitted.caseworker_reasons}
    assert "member_in_other_household" in reasons and "annat hushåll" in reasons["member_in_other_household"]
    # What the applicant sees back is what they typed, never the registered name.
    assert submitted.declaration["members"]["children"][0]["first_name"] == "Påhittad"
    assert taken.person.first_name not in str(submitted.declaration)


def test_a_partner_of_another_household_is_not_moved_and_the_reason_is_given(person, municipality):
    other = household_with_members(municipality, adults=2)
    taken = HouseholdMember.objects.get(household=other, role=HouseholdRole.PARTNER).person
    submitted = _submit(person, partner=_partner(taken.personnummer))
    assert _registered(submitted.household) == {person.pk: HouseholdRole.APPLICANT}
    assert "member_in_other_household" in {r["code"] for r in submitted.caseworker_reasons}


def test_an_unknown_partner_creates_no_person_until_they_confirm_with_their_own_e_id(person, municipality):
    submitted = _submit(person, partner=_partner())
    assert submitted.status == ApplicationStatus.AWAITING_CO_APPLICANT
    assert not Person.objects.filter(personnummer=PARTNER_NUMBER).exists()
    assert _registered(submitted.household) == {person.pk: HouseholdRole.APPLICANT}
    assert list(selectors.awaiting_confirmation_for(PARTNER_NUMBER)) == [submitted]
    # The partner logs in with e-ID: their Person comes from the e-ID, not from the applicant's text.
    partner = services.ensure_person(municipality=municipality, personnummer=PARTNER_NUMBER,
                                     given_name="Petra", family_name="Eid")
    confirmed = services.confirm_as_co_applicant(submitted, person=partner)
    assert confirmed.status == ApplicationStatus.SUBMITTED and confirmed.co_applicant_id == partner.pk
    assert _registered(submitted.household) == {person.pk: HouseholdRole.APPLICANT, partner.pk: HouseholdRole.PARTNER}


def test_someone_else_cannot_confirm_as_the_declared_partner(person, municipality):
    submitted = _submit(person, partner=_partner())
    with pytest.raises(PermissionDenied):
        services.confirm_as_co_applicant(submitted, person=PersonFactory(municipality=municipality))


def test_a_case_worker_accepts_the_claims_in_one_audited_step(person, municipality):
    submitted = _submit(person, partner=_partner(), children=[_child()])
    worker = user_with_role(Role.CASEWORKER, municipality)
    accepted = services.accept_household_claims(submitted, actor=worker)
    child = Person.objects.get(municipality=municipality, personnummer=CHILD_NUMBER)
    partner = Person.objects.get(municipality=municipality, personnummer=PARTNER_NUMBER)
    assert _registered(submitted.household) == {person.pk: HouseholdRole.APPLICANT, partner.pk: HouseholdRole.PARTNER,
                                                child.pk: HouseholdRole.CHILD}
    assert accepted.declaration["members"]["children"][0]["person_id"] == child.pk
    assert AuditEvent.objects.filter(model="people.householdmember", user=worker).count() == 2
    # Accepting again changes nothing.
    services.accept_household_claims(accepted, actor=worker)
    assert HouseholdMember.objects.filter(household=submitted.household).count() == 3


def test_a_claim_on_a_member_of_another_household_is_not_accepted(person, municipality):
    other = household_with_members(municipality, children=0)
    child = ChildFactory(municipality=municipality)
    HouseholdMember.objects.create(household=other, person=child, role=HouseholdRole.CHILD, valid_from=dt.date(2024, 1, 1))
    submitted = _submit(person, children=[_child(child.personnummer)])
    worker = user_with_role(Role.CASEWORKER, municipality)
    with pytest.raises(Exception) as failure:
        services.accept_household_claims(submitted, actor=worker)
    assert "annat hushåll" in str(failure.value)
    assert not HouseholdMember.objects.filter(household=submitted.household, person=child).exists()


def test_the_case_worker_sees_the_claims_on_the_case_page_and_accepts_them(client, person, municipality):
    from django.urls import reverse

    submitted = _submit(person, children=[_child()])
    worker = user_with_role(Role.CASEWORKER, municipality)
    client.force_login(worker)
    page = client.get(reverse("staff:case_detail", args=[submitted.pk])).content.decode()
    assert 'id="claims"' in page and CHILD_NUMBER in page
    response = client.post(reverse("staff:case_accept_claims", args=[submitted.pk]))
    assert response.status_code == 302
    child = Person.objects.get(municipality=municipality, personnummer=CHILD_NUMBER)
    assert HouseholdMember.objects.filter(household=submitted.household, person=child, role=HouseholdRole.CHILD).exists()
    assert 'id="claims"' not in client.get(reverse("staff:case_detail", args=[submitted.pk])).content.decode()


def test_the_applicants_page_shows_the_typed_partner_name_not_the_registered_one(client, person, municipality):
    from tests.portal.helpers import simulator_login

    registered = PersonFactory(municipality=municipality, first_name="Registrerad")
    submitted = _submit(person, partner=_partner(registered.personnummer, first_name="Typad"))
    simulator_login(client, person.personnummer)
    page = client.get(f"/e-tjanst/ansokan/{submitted.pk}/").content.decode()
    assert "Registrerad" not in page
    assert "Typad" in page


def test_a_first_application_is_calculated_with_its_declared_children_before_they_are_accepted(person, municipality):
    submitted = _submit(person, children=[{**_child(), "lunch_away_from_home": True}])
    document = selectors.calculation_input_for(submitted, register_facts=[])
    children = document["household"]["children"]
    assert len(children) == 1 and children[0]["id"] == "ansprak-barn1"
    assert not Person.objects.filter(personnummer=CHILD_NUMBER).exists()
    assert _registered(submitted.household) == {person.pk: HouseholdRole.APPLICANT}
    # Once accepted, the same child is calculated as the registered person.
    worker = user_with_role(Role.CASEWORKER, municipality)
    accepted = services.accept_household_claims(submitted, actor=worker)
    child = Person.objects.get(personnummer=CHILD_NUMBER)
    again = selectors.calculation_input_for(accepted, register_facts=[])
    assert [c["id"] for c in again["household"]["children"]] == [str(child.pk)]


def test_the_calculation_lines_name_a_declared_child_by_the_typed_name(person):
    from bistand.applications.selectors import member_names

    submitted = _submit(person, children=[_child(first_name="Bo")])
    assert member_names(submitted)["ansprak-barn1"] == "Bo"


def test_the_names_of_many_applications_are_each_applications_own_names(person):
    from bistand.applications.selectors import member_names, member_names_many

    submitted = _submit(person, children=[_child(first_name="Bo")])
    assert member_names_many([submitted]) == {submitted.pk: member_names(submitted)}
    assert member_names_many([submitted])[submitted.pk]["ansprak-barn1"] == "Bo"
