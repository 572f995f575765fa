"""Creating and changing persons and households: validation naming the field, one transaction, an
audit event with the old and new values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from bistand.audit import events
from bistand.audit.models import AuditEvent
from bistand.people import personnummer as pnr
from bistand.people import services
from bistand.people.models import HouseholdMember, HouseholdRole, Person
from bistand.tenancy.roles import Role
from tests.factories import (
    HouseholdFactory,
    MunicipalityFactory,
    PersonFactory,
    UnitFactory,
    grant_protected_identity,
    user_with_role,
)

pytestmark = pytest.mark.django_db

NUMBER = pnr.test_number(dt.date(1985, 3, 12), 2)


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def caseworker(municipality):
    return user_with_role(Role.CASEWORKER, municipality)


def make_person(municipality, actor, **overrides):
    fields = {"personnummer": NUMBER.ten_digit(), "first_name": "Åsa", "last_name": "Öberg",
              "street_address": "Storgatan 1", "postal_code": "553 21", "postal_town": "Jönköping"}
    fields.update(overrides)
    return services.create_person(actor=actor, municipality=municipality, **fields)


def events_for(instance):
    return AuditEvent.objects.filter(model=instance._meta.label_lower, object_id=str(instance.pk)).order_by("pk")


class TestCreatePerson:
    def test_stores_the_normalised_number_and_what_follows_from_it(self, municipality, caseworker):
        person = make_person(municipality, caseworker)
        assert person.personnummer == NUMBER.normalised
        assert person.kind == pnr.PERSONNUMMER
        assert person.birth_date == dt.date(1985, 3, 12)
        assert person.postal_code == "55321"
        assert person.search_name == "åsa öberg"

    def test_a_samordningsnummer_is_stored_as_such(self, municipality, caseworker):
        number = pnr.test_number(dt.date(1990, 7, 1), 5, coordination=True)
        person = make_person(municipality, caseworker, personnummer=number.formatted)
        assert person.kind == pnr.SAMORDNINGSNUMMER and person.birth_date == dt.date(1990, 7, 1)

    def test_writes_an_audit_event_with_the_new_values(self, municipality, caseworker):
        person = make_person(municipality, caseworker)
        (event,) = events_for(person)
        assert event.action == "create"
        assert event.user == caseworker and event.user_display_name.endswith(f"({caseworker.username})")
        assert event.municipality == municipality
        assert event.changes["personnummer"] == {"old": None, "new": NUMBER.normalised}
        assert event.changes["first_name"] == {"old": None, "new": "Åsa"}
        assert event.changes["birth_date"] == {"old": None, "new": "1985-03-12"}

    def test_reports_every_wrong_field_by_name_in_swedish(self, municipality, caseworker):
        with pytest.raises(ValidationError) as info:
            make_person(municipality, caseworker, personnummer="19850312-9999", first_name=" ", postal_code="123")
        errors = info.value.message_dict
        assert set(errors) == {"personnummer", "first_name", "postal_code"}
        assert "Kontrollsiffran" in errors["personnummer"][0]
        assert errors["first_name"] == ["Skriv förnamnet."]
        assert "fem siffror" in errors["postal_code"][0]
        assert not Person.objects.exists() and not AuditEvent.objects.filter(model="people.person").exists()

    def test_too_long_names_are_refused(self, municipality, caseworker):
        with pytest.raises(ValidationError) as info:
            make_person(municipality, caseworker, last_name="x" * 101)
        assert "högst 100 tecken" in info.value.message_dict["last_name"][0]

    def test_the_same_number_twice_in_a_municipality_is_refused(self, municipality, caseworker):
        make_person(municipality, caseworker)
        with pytest.raises(ValidationError) as info:
            make_person(municipality, caseworker, personnummer=NUMBER.formatted)
        assert list(info.value.message_dict) == ["personnummer"]

    def test_the_same_person_may_be_registered_in_two_municipalities(self, municipality):
        make_person(municipality, None)
        make_person(MunicipalityFactory(), None)
        assert Person.objects.filter(personnummer=NUMBER.normalised).count() == 2

    def test_the_database_refuses_a_duplicate_even_without_the_service(self, municipality):
        PersonFactory(municipality=municipality, personnummer=NUMBER.normalised)
        with pytest.raises(IntegrityError), transaction.atomic():
            PersonFactory(municipality=municipality, personnummer=NUMBER.normalised)

    def test_a_case_worker_cannot_create_persons_in_another_municipality(self, caseworker):
        with pytest.raises(PermissionDenied):
            make_person(MunicipalityFactory(), caseworker)

    def test_nothing_is_stored_when_the_audit_event_cannot_be_written(self, municipality, caseworker, monkeypatch):
        def broken(record):
            raise RuntimeError("audit store down")

        monkeypatch.setattr(events.adapter, "write_change", broken)
        with pytest.raises(RuntimeError):
            make_person(municipality, caseworker)
        assert not Person.objects.exists()


class TestUpdatePerson:
    def test_writes_old_and_new_values_of_the_changed_fields_only(self, municipality, caseworker):
        person = make_person(municipality, caseworker)
        services.update_person(actor=caseworker, person=person,
                               data={"first_name": "Åsa", "street_address": "Lillgatan 2", "postal_code": "55322"})
        event = events_for(person).last()
        assert event.action == "update"
        assert event.changes == {
            "street_address": {"old": "Storgatan 1", "new": "Lillgatan 2"},
            "postal_code": {"old": "55321", "new": "55322"},
        }
        person.refresh_from_db()
        assert person.street_address == "Lillgatan 2"

    def test_changing_the_number_changes_what_follows_from_it(self, municipality, caseworker):
        person = make_person(municipality, caseworker)
        other = pnr.test_number(dt.date(1986, 4, 13), 3)
        services.update_person(actor=caseworker, person=person, data={"personnummer": other.formatted})
        changes = events_for(person).last().changes
        assert changes["personnummer"]["new"] == other.normalised
        assert changes["birth_date"] == {"old": "1985-03-12", "new": "1986-04-13"}
        assert person.birth_date == dt.date(1986, 4, 13)

    def test_no_change_writes_no_event(self, municipality, caseworker):
        person = make_person(municipality, caseworker)
        services.update_person(actor=caseworker, person=person, data={"first_name": " Åsa "})
        assert events_for(person).count() == 1

    def test_a_wrong_value_changes_nothing(self, municipality, caseworker):
        person = make_person(municipality, caseworker)
        with pytest.raises(ValidationError) as info:
            services.update_person(actor=caseworker, person=person, data={"personnummer": "19851312-9800", "first_name": "Eva"})
        assert "Månaden 13" in info.value.message_dict["personnummer"][0]
        person.refresh_from_db()
        assert person.first_name == "Åsa" and events_for(person).count() == 1

    def test_the_search_name_follows_the_name(self, municipality, caseworker):
        person = make_person(municipality, caseworker)
        services.update_person(actor=caseworker, person=person, data={"last_name": "ÄNGSLÖV"})
        person.refresh_from_db()
        assert person.search_name == "åsa ängslöv"

    def test_unknown_fields_are_a_programming_error(self, municipality, caseworker):
        person = make_person(municipality, caseworker)
        with pytest.raises(ValueError):
            services.update_person(actor=caseworker, person=person, data={"municipality": MunicipalityFactory()})

    def test_a_protected_person_can_be_changed_only_with_the_permission(self, municipality, caseworker):
        person = make_person(municipality, caseworker, protected_identity=True)
        with pytest.raises(PermissionDenied):
            services.update_person(actor=caseworker, person=person, data={"protected_identity": False})
        allowed = grant_protected_identity(user_with_role(Role.CASEWORKER, municipality))
        services.update_person(actor=allowed, person=person, data={"street_address": "Hemlig väg 1"})
        event = events_for(person).last()
        assert event.sensitive and event.changes["street_address"]["new"] == "Hemlig väg 1"

    def test_making_a_person_protected_marks_the_event_sensitive(self, municipality, caseworker):
        person = make_person(municipality, caseworker)
        services.update_person(actor=caseworker, person=person, data={"protected_identity": True})
        assert events_for(person).last().sensitive

    def test_a_case_worker_cannot_change_persons_of_another_municipality(self, caseworker):
        person = make_person(MunicipalityFactory(), None)
        with pytest.raises(PermissionDenied):
            services.update_person(actor=caseworker, person=person, data={"first_name": "X"})


class TestDeletePerson:
    def test_deletes_with_an_event_holding_the_old_values(self, municipality, caseworker):
        person = make_person(municipality, caseworker)
        pk = person.pk
        services.delete_person(actor=caseworker, person=person)
        assert not Person.objects.filter(pk=pk).exists()
        event = AuditEvent.objects.get(model="people.person", object_id=str(pk), action="delete")
        assert event.changes["first_name"] == {"old": "Åsa", "new": None}

    def test_a_household_member_cannot_be_deleted(self, municipality, caseworker):
        member = services.add_household_member(
            actor=caseworker, household=HouseholdFactory(municipality=municipality),
            person=make_person(municipality, caseworker), role=HouseholdRole.APPLICANT, valid_from=dt.date(2024, 1, 1))
        with pytest.raises(ValidationError):
            services.delete_person(actor=caseworker, person=member.person)


class TestHouseholds:
    def test_create_household_with_a_unit_of_the_municipality(self, municipality, caseworker):
        unit = UnitFactory(municipality=municipality)
        household = services.create_household(actor=caseworker, municipality=municipality, unit=unit)
        (event,) = events_for(household)
        assert event.changes["unit"] == {"old": None, "new": unit.pk}

    def test_a_unit_of_another_municipality_is_refused(self, municipality, caseworker):
        with pytest.raises(ValidationError) as info:
            services.create_household(actor=caseworker, municipality=municipality, unit=UnitFactory())
        assert list(info.value.message_dict) == ["unit"]

    def test_moving_a_household_to_another_unit_is_audited(self, municipality, caseworker):
        household = services.create_household(actor=caseworker, municipality=municipality)
        unit = UnitFactory(municipality=municipality)
        services.update_household(actor=caseworker, household=household, unit=unit)
        assert events_for(household).last().changes == {"unit": {"old": None, "new": unit.pk}}


class TestHouseholdMembers:
    @pytest.fixture
    def household(self, municipality, caseworker):
        return services.create_household(actor=caseworker, municipality=municipality)

    def add(self, actor, household, role=HouseholdRole.APPLICANT, person=None, **dates):
        dates.setdefault("valid_from", dt.date(2024, 1, 1))
        person = person or PersonFactory(municipality=household.municipality)
        return services.add_household_member(actor=actor, household=household, person=person, role=role, **dates)

    def test_adding_a_member_is_audited(self, household, caseworker):
        member = self.add(caseworker, household)
        (event,) = events_for(member)
        assert event.changes["role"] == {"old": None, "new": "applicant"}
        assert event.changes["valid_from"] == {"old": None, "new": "2024-01-01"}
        assert event.municipality_id == household.municipality_id

    def test_a_person_of_another_municipality_cannot_join(self, household, caseworker):
        with pytest.raises(ValidationError) as info:
            self.add(caseworker, household, person=PersonFactory())
        assert "person" in info.value.message_dict

    def test_the_end_cannot_be_before_the_start(self, household, caseworker):
        with pytest.raises(ValidationError) as info:
            self.add(caseworker, household, valid_from=dt.date(2024, 5, 1), valid_to=dt.date(2024, 4, 30))
        assert list(info.value.message_dict) == ["valid_to"]

    def test_one_applicant_at_a_time(self, household, caseworker):
        self.add(caseworker, household, valid_to=dt.date(2024, 6, 30))
        with pytest.raises(ValidationError) as info:
            self.add(caseworker, household, valid_from=dt.date(2024, 6, 1))
        assert list(info.value.message_dict) == ["role"]
        self.add(caseworker, household, valid_from=dt.date(2024, 7, 1))  # after the first one left

    def test_one_partner_at_a_time_but_many_children(self, household, caseworker):
        self.add(caseworker, household, role=HouseholdRole.PARTNER)
        with pytest.raises(ValidationError):
            self.add(caseworker, household, role=HouseholdRole.PARTNER)
        for _ in range(3):
            self.add(caseworker, household, role=HouseholdRole.CHILD)
        self.add(caseworker, household, role=HouseholdRole.OTHER_ADULT)
        self.add(caseworker, household, role=HouseholdRole.OTHER_ADULT)

    def test_the_same_person_cannot_be_in_the_household_twice_at_once(self, household, caseworker):
        member = self.add(caseworker, household, role=HouseholdRole.CHILD)
        with pytest.raises(ValidationError) as info:
            self.add(caseworker, household, role=HouseholdRole.OTHER_ADULT, person=member.person,
                     valid_from=dt.date(2025, 1, 1))
        assert list(info.value.message_dict) == ["valid_from"]

    def test_ending_a_membership_records_the_old_and_new_end(self, household, caseworker):
        member = self.add(caseworker, household)
        services.end_household_membership(actor=caseworker, member=member, valid_to=dt.date(2024, 12, 31))
        assert events_for(member).last().changes == {"valid_to": {"old": None, "new": "2024-12-31"}}
        assert not member.is_current(dt.date(2025, 1, 1)) and member.is_current(dt.date(2024, 12, 31))

    def test_removing_a_membership_is_audited(self, household, caseworker):
        member = self.add(caseworker, household)
        pk = member.pk
        services.remove_household_member(actor=caseworker, member=member)
        assert not HouseholdMember.objects.filter(pk=pk).exists()
        assert AuditEvent.objects.filter(model="people.householdmember", object_id=str(pk), action="delete").exists()

    def test_the_database_refuses_a_reversed_period(self, household):
        with pytest.raises(IntegrityError), transaction.atomic():
            HouseholdMember.objects.create(household=household, person=PersonFactory(municipality=household.municipality),
                                           role="child", valid_from=dt.date(2024, 2, 1), valid_to=dt.date(2024, 1, 1))

    def test_a_case_worker_cannot_change_households_of_another_municipality(self, caseworker):
        other = services.create_household(actor=None, municipality=MunicipalityFactory())
        with pytest.raises(PermissionDenied):
            self.add(caseworker, other)
