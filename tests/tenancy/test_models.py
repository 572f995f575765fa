"""Regions, municipalities (kommunkod), units and memberships."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bistand.audit.models import AuditEvent
from bistand.tenancy.models import Membership, Municipality
from bistand.tenancy.roles import ROLE_PERMISSIONS, Role, role_label
from bistand.tenancy.services import add_membership, create_municipality, remove_membership
from bistand.tenancy.validators import validate_kommunkod
from tests.factories import MunicipalityFactory, RegionFactory, UnitFactory, UserFactory


class TestKommunkod:
    @pytest.mark.parametrize("code", ["0680", "0662", "0684", "0180", "1480", "1280", "2584"])
    def test_real_codes_are_valid(self, code):
        validate_kommunkod(code)

    @pytest.mark.parametrize("code", ["680", "06800", "06a0", "", " 0680", "٠٦٨٠"])
    def test_anything_but_four_digits_is_refused(self, code):
        with pytest.raises(ValidationError) as info:
            validate_kommunkod(code)
        assert info.value.code == "format"
        assert "fyra siffror" in info.value.messages[0]

    @pytest.mark.parametrize("code", ["0280", "1180", "2680", "9999", "0080"])
    def test_a_county_code_that_does_not_exist_is_refused(self, code):
        with pytest.raises(ValidationError) as info:
            validate_kommunkod(code)
        assert info.value.code == "county"

    def test_a_county_code_alone_is_refused(self):
        with pytest.raises(ValidationError) as info:
            validate_kommunkod("0600")
        assert info.value.code == "county_only"


@pytest.mark.django_db
class TestMunicipality:
    def test_create_municipality_writes_an_audit_event(self):
        municipality = create_municipality(actor=None, code="0680", name=" Jönköping ")
        assert municipality.name == "Jönköping"
        event = AuditEvent.objects.get(model="tenancy.municipality", object_id=str(municipality.pk))
        assert event.changes["code"] == {"old": None, "new": "0680"}
        assert event.municipality_id == municipality.pk

    def test_kommunkod_is_unique(self):
        create_municipality(actor=None, code="0680", name="Jönköping")
        with pytest.raises(ValidationError) as info:
            create_municipality(actor=None, code="0680", name="Jönköping igen")
        assert "code" in info.value.message_dict

    def test_create_municipality_reports_a_bad_code_at_the_code_field(self):
        with pytest.raises(ValidationError) as info:
            create_municipality(actor=None, code="68", name="X")
        assert list(info.value.message_dict) == ["code"]

    def test_the_database_refuses_a_code_that_is_not_four_digits(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Municipality.objects.create(code="06a0", name="Fel")

    def test_the_database_refuses_a_duplicate_code(self):
        MunicipalityFactory(code="0662")
        with pytest.raises(IntegrityError), transaction.atomic():
            Municipality.objects.create(code="0662", name="Dubblett")

    def test_unit_names_are_unique_within_a_municipality_only(self):
        first, second = MunicipalityFactory(), MunicipalityFactory()
        UnitFactory(municipality=first, name="Väster")
        UnitFactory(municipality=second, name="Väster")
        with pytest.raises(IntegrityError), transaction.atomic():
            UnitFactory(municipality=first, name="Väster")


@pytest.mark.django_db
class TestMembership:
    def test_every_role_has_a_swedish_label_and_a_permission_list(self):
        assert role_label(Role.CASEWORKER) == "Handläggare"
        assert role_label("unknown") == "unknown"
        assert set(ROLE_PERMISSIONS) == set(Role.values)

    def test_adding_a_role_writes_an_audit_event(self):
        municipality, user, actor = MunicipalityFactory(), UserFactory(), UserFactory()
        membership = add_membership(actor=actor, user=user, role=Role.CASEWORKER, municipality=municipality)
        event = AuditEvent.objects.get(model="tenancy.membership", object_id=str(membership.pk))
        assert event.user == actor
        assert event.changes["role"] == {"old": None, "new": "caseworker"}

    def test_an_administrator_gets_into_the_admin_and_leaves_it_with_the_role(self):
        municipality, user = MunicipalityFactory(), UserFactory()
        membership = add_membership(actor=None, user=user, role=Role.ADMIN, municipality=municipality)
        user.refresh_from_db()
        assert user.is_staff
        remove_membership(actor=None, membership=membership)
        user.refresh_from_db()
        assert not user.is_staff
        assert AuditEvent.objects.filter(model="tenancy.membership", action="delete").count() == 1

    def test_a_case_worker_does_not_get_into_the_admin(self):
        user = UserFactory()
        add_membership(actor=None, user=user, role=Role.CASEWORKER, municipality=MunicipalityFactory())
        user.refresh_from_db()
        assert not user.is_staff

    def test_a_regional_coordinator_belongs_to_a_region_not_a_municipality(self):
        with pytest.raises(ValidationError) as info:
            add_membership(actor=None, user=UserFactory(), role=Role.REGIONAL_COORDINATOR,
                           municipality=MunicipalityFactory())
        assert {"region", "municipality"} <= set(info.value.message_dict)
        membership = add_membership(actor=None, user=UserFactory(), role=Role.REGIONAL_COORDINATOR,
                                    region=RegionFactory())
        assert membership.municipality is None

    def test_other_roles_belong_to_a_municipality(self):
        with pytest.raises(ValidationError) as info:
            add_membership(actor=None, user=UserFactory(), role=Role.MANAGER, region=RegionFactory())
        assert {"municipality", "region"} <= set(info.value.message_dict)

    def test_the_unit_must_belong_to_the_municipality(self):
        with pytest.raises(ValidationError) as info:
            add_membership(actor=None, user=UserFactory(), role=Role.CASEWORKER,
                           municipality=MunicipalityFactory(), unit=UnitFactory())
        assert list(info.value.message_dict) == ["unit"]

    def test_the_same_role_twice_in_a_municipality_is_refused(self):
        municipality, user = MunicipalityFactory(), UserFactory()
        add_membership(actor=None, user=user, role=Role.CASEWORKER, municipality=municipality)
        with pytest.raises(ValidationError) as info:
            add_membership(actor=None, user=user, role=Role.CASEWORKER, municipality=municipality)
        assert "role" in info.value.message_dict

    def test_unknown_roles_are_refused(self):
        with pytest.raises(ValidationError):
            add_membership(actor=None, user=UserFactory(), role="king", municipality=MunicipalityFactory())

    @pytest.mark.parametrize(
        "fields",
        [
            {"role": Role.REGIONAL_COORDINATOR, "municipality": True},
            {"role": Role.CASEWORKER},
            {"role": Role.CASEWORKER, "municipality": True, "region": True},
            {"role": "king", "municipality": True},
        ],
    )
    def test_the_database_refuses_memberships_that_break_the_rules(self, fields):
        user = UserFactory()
        kwargs = {"user": user, "role": fields["role"]}
        if fields.get("municipality"):
            kwargs["municipality"] = MunicipalityFactory()
        if fields.get("region"):
            kwargs["region"] = RegionFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(**kwargs)
