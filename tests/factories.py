"""Shared factory_boy factories for the whole project.

Every personnummer is from Skatteverket's test series (birth numbers 980–999, correct check digit),
made with :func:`bistand.people.personnummer.test_number`.

Helpers:

* :func:`user_with_role` — a user with a role in a municipality (through the membership service, so an
  administrator also gets ``is_staff``);
* :data:`PERSON_LEVEL_BUILDERS` — for each person-level model (see bistand.tenancy.scoping), a function
  that makes one object in a given municipality. The cross-municipality test uses it and fails for a
  registered model that has no builder here, so add one with each new person-level model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from bistand.audit.models import AccessAction, AccessLog, AccessPurpose, AuditEvent, ChangeAction
from bistand.people import personnummer as pnr
from bistand.people.models import Household, HouseholdMember, HouseholdRole, Person
from bistand.tenancy.models import Membership, Municipality, Region, Unit
from bistand.tenancy.roles import REGION_ROLES, Role
from bistand.tenancy.services import add_membership
from bistand.tenancy.validators import COUNTY_CODES

PASSWORD = "lösenord-för-test"

_COUNTIES = sorted(COUNTY_CODES)


def municipality_code(n: int) -> str:
    """The n-th valid kommunkod (county code + 01–99), unique for n < 21 × 99."""
    return f"{_COUNTIES[(n // 99) % len(_COUNTIES)]}{n % 99 + 1:02d}"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"Region {n}")


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = factory.Sequence(municipality_code)
    name = factory.Sequence(lambda n: f"Testkommun {n}")
    region = factory.SubFactory(RegionFactory)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Enhet {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"personal{n}")
    first_name = factory.Sequence(lambda n: f"Personal{n}")
    last_name = "Testsson"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.se")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership written directly (no audit event, no is_staff); prefer :func:`user_with_role`."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.CASEWORKER
    municipality = factory.SubFactory(MunicipalityFactory)


def user_with_role(role: str = Role.CASEWORKER, municipality: Municipality | None = None, *, region: Region | None = None,
                   unit: Unit | None = None, **user_fields):
    """A new user with ``role`` in ``municipality`` (a new one when not given), or for a regional
    coordinator in ``region``."""
    user = UserFactory(**user_fields)
    if role in REGION_ROLES:
        add_membership(actor=None, user=user, role=role, region=region or RegionFactory())
    else:
        add_membership(actor=None, user=user, role=role, municipality=municipality or MunicipalityFactory(), unit=unit)
    return user


def grant_protected_identity(user):
    """Give ``user`` the permission to see protected identities (as an administrator would)."""
    user.user_permissions.add(Permission.objects.get(content_type__app_label="people", codename="view_protected_identity"))
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, cache):
            delattr(user, cache)
    return user


def _birth_date(n: int) -> dt.date:
    # 20 test numbers per day; adults born 1950–1999.
    return dt.date(1950, 1, 1) + dt.timedelta(days=(n // 20) * 3 % 18250)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    class Params:
        coordination = False

    municipality = factory.SubFactory(MunicipalityFactory)
    birth_date = factory.Sequence(_birth_date)
    personnummer = factory.LazyAttributeSequence(
        lambda o, n: pnr.test_number(o.birth_date, n % 20, coordination=o.coordination).normalised
    )
    kind = factory.LazyAttribute(lambda o: pnr.SAMORDNINGSNUMMER if o.coordination else pnr.PERSONNUMMER)
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    care_of = ""
    street_address = factory.Faker("street_address", locale="sv_SE")
    postal_code = factory.Sequence(lambda n: f"{55300 + n % 700}")
    postal_town = "Jönköping"
    protected_identity = False
    search_name = factory.LazyAttribute(lambda o: Person.build_search_name(o.first_name, o.last_name))


class ChildFactory(PersonFactory):
    birth_date = factory.Sequence(lambda n: timezone.localdate() - dt.timedelta(days=365 * 3 + (n // 20) % 3000))


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    municipality = factory.SubFactory(MunicipalityFactory)
    unit = None


class HouseholdMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    household = factory.SubFactory(HouseholdFactory)
    person = factory.SubFactory(PersonFactory, municipality=factory.SelfAttribute("..household.municipality"))
    role = HouseholdRole.APPLICANT
    valid_from = dt.date(2024, 1, 1)
    valid_to = None


class AccessLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessLog

    user = factory.SubFactory(UserFactory)
    user_display_name = factory.LazyAttribute(lambda o: o.user.get_username())
    person = factory.SubFactory(PersonFactory)
    municipality = factory.SelfAttribute("person.municipality")
    action = AccessAction.VIEW
    target = "staff:person_detail"
    path = factory.LazyAttribute(lambda o: f"/handlaggning/personer/{o.person.pk}/")
    purpose = AccessPurpose.CASEWORK


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    user = factory.SubFactory(UserFactory)
    user_display_name = factory.LazyAttribute(lambda o: o.user.get_username())
    action = ChangeAction.UPDATE
    model = "people.person"
    object_id = "1"
    municipality = factory.SubFactory(MunicipalityFactory)
    changes = factory.LazyFunction(lambda: {"postal_town": {"old": "Gislaved", "new": "Jönköping"}})


def household_with_members(municipality: Municipality, *, adults: int = 1, children: int = 0, **person_fields) -> Household:
    """A household in ``municipality`` with an applicant (and a partner when ``adults`` is 2) and
    ``children`` children, all members since 2024-01-01."""
    household = HouseholdFactory(municipality=municipality)
    roles = [HouseholdRole.APPLICANT, HouseholdRole.PARTNER][:adults]
    for role in roles:
        HouseholdMemberFactory(household=household, role=role, person=PersonFactory(municipality=municipality, **person_fields))
    for _ in range(children):
        HouseholdMemberFactory(household=household, role=HouseholdRole.CHILD, person=ChildFactory(municipality=municipality))
    return household


# --- one object of each person-level model, for the cross-municipality test ---------------------------
#
# Each builder makes one object of its model in ``municipality``, with primary key ``pk`` when given,
# reusing the objects already made (``made``: model label → object) where it needs related ones.


def _build_person(municipality, *, pk=None, made, **fields):
    return PersonFactory(municipality=municipality, pk=pk, **fields)


def _build_household(municipality, *, pk=None, made, **fields):
    return HouseholdFactory(municipality=municipality, pk=pk, **fields)


def _build_member(municipality, *, pk=None, made, **fields):
    household = made.get("people.household") or HouseholdFactory(municipality=municipality)
    person = made.get("people.person") or PersonFactory(municipality=municipality)
    return HouseholdMemberFactory(pk=pk, household=household, person=person, **fields)


def _build_access_log(municipality, *, pk=None, made, **fields):
    person = made.get("people.person") or PersonFactory(municipality=municipality)
    return AccessLogFactory(pk=pk, person=person, **fields)


def _build_audit_event(municipality, *, pk=None, made, **fields):
    person = made.get("people.person")
    object_id = str(person.pk) if person is not None else "1"
    return AuditEventFactory(pk=pk, municipality=municipality, object_id=object_id, **fields)


def _build_stored_calculation(municipality, *, pk=None, made, **fields):
    from bistand.calculations.services import build_input_for_household, new_stored_calculation, prepare_calculation

    household = made.get("people.household")
    if household is None or not household.members.exists():
        household = household_with_members(municipality)
    document = build_input_for_household(household, "2025-03", costs=[{"type": "rent", "amount": 6000}])
    row = new_stored_calculation(
        household=household, month=dt.date(2025, 3, 1), prepared=prepare_calculation(document), user="system"
    )
    row.pk = pk
    row.save()
    return row


#: model label → builder(municipality, *, pk=None, made) that makes one object of the model there, in
#: an order where each builder finds the objects it reuses.
PERSON_LEVEL_BUILDERS: dict[str, Callable] = {
    "people.person": _build_person,
    "people.household": _build_household,
    "people.householdmember": _build_member,
    "audit.accesslog": _build_access_log,
    "audit.auditevent": _build_audit_event,
    "calculations.storedcalculation": _build_stored_calculation,
}


def _lazy_builder(module: str, name: str) -> Callable:
    """A builder defined in an app's own test module (imported when first used, so that this module
    does not import every app's factories)."""

    def build(municipality, *, pk=None, made, **fields):
        import importlib

        return getattr(importlib.import_module(module), name)(municipality, pk=pk, made=made, **fields)

    return build


# Register data and decisions (issue 3): builders in tests/registers/factories.py and
# tests/decisions/factories.py.
PERSON_LEVEL_BUILDERS.update({
    # Applications (issue 3): builders in tests/applications/factories.py.
    "applications.application": _lazy_builder("tests.applications.factories", "_build_application"),
    "applications.attachment": _lazy_builder("tests.applications.factories", "_build_attachment"),
    "applications.completionrequest": _lazy_builder("tests.applications.factories", "_build_completion_request"),
    "applications.normadjustment": _lazy_builder("tests.applications.factories", "build_norm_adjustment"),
    "registers.registerfetch": _lazy_builder("tests.registers.factories", "build_register_fetch"),
    "registers.registerfact": _lazy_builder("tests.registers.factories", "build_register_fact"),
    "decisions.decision": _lazy_builder("tests.decisions.factories", "build_decision"),
    "decisions.decisionline": _lazy_builder("tests.decisions.factories", "build_decision_line"),
    "decisions.decisionletter": _lazy_builder("tests.decisions.factories", "build_decision_letter"),
    "decisions.worseningground": _lazy_builder("tests.decisions.factories", "build_worsening_ground"),
    "decisions.housinggrace": _lazy_builder("tests.decisions.factories", "build_housing_grace"),
    "decisions.kommuniceringexemption": _lazy_builder("tests.decisions.factories", "build_kommunicering_exemption"),
    "payments.overpaymentclaim": _lazy_builder("tests.decisions.factories", "build_overpayment_claim"),
    # Appeals (issue 17 §3): builders in tests/appeals/factories.py.
    "appeals.appeal": _lazy_builder("tests.appeals.factories", "build_appeal"),
    "appeals.appealletter": _lazy_builder("tests.appeals.factories", "build_appeal_letter"),
})

# Payments and follow-up (issue 3): builders in tests/payments/factories.py.
PERSON_LEVEL_BUILDERS.update({
    "payments.payment": _lazy_builder("tests.payments.factories", "build_payment"),
    "payments.paymentexport": _lazy_builder("tests.payments.factories", "build_payment_export"),
    "payments.paymentevent": _lazy_builder("tests.payments.factories", "build_payment_event"),
    "payments.automatedapprovalbatch": _lazy_builder("tests.payments.factories", "build_automated_approval_batch"),
    "followup.assistancemonth": _lazy_builder("tests.payments.factories", "build_assistance_month"),
})
PERSON_LEVEL_BUILDERS.update({
    # Follow-up (issue 19): builders in tests/followup/factories.py.
    "followup.personmonth": _lazy_builder("tests.followup.factories", "build_person_month"),
    "followup.historyimport": _lazy_builder("tests.followup.factories", "build_history_import"),
    "followup.supportbarrier": _lazy_builder("tests.followup.factories", "build_support_barrier"),
    "followup.householdend": _lazy_builder("tests.followup.factories", "build_household_end"),
    "followup.statisticsexport": _lazy_builder("tests.followup.factories", "build_statistics_export"),
})

# Plans (issue 4): builders in tests/plans/factories.py.
PERSON_LEVEL_BUILDERS.update({
    "plans.plan": _lazy_builder("tests.plans.factories", "build_plan"),
    "plans.goal": _lazy_builder("tests.plans.factories", "build_goal"),
    "plans.action": _lazy_builder("tests.plans.factories", "build_action"),
    "plans.referral": _lazy_builder("tests.plans.factories", "build_referral"),
    "plans.planresponse": _lazy_builder("tests.plans.factories", "build_plan_response"),
    "plans.followup": _lazy_builder("tests.plans.factories", "build_follow_up"),
    "plans.reduction": _lazy_builder("tests.plans.factories", "build_reduction"),
})

# Assessment (issue 4): builders in tests/assessment/factories.py.
PERSON_LEVEL_BUILDERS.update({
    "assessment.occasion": _lazy_builder("tests.assessment.factories", "build_occasion"),
    "assessment.domainrating": _lazy_builder("tests.assessment.factories", "build_domain_rating"),
    "assessment.screeningflag": _lazy_builder("tests.assessment.factories", "build_screening_flag"),
    "assessment.minote": _lazy_builder("tests.assessment.factories", "build_mi_note"),
    "assessment.ruler": _lazy_builder("tests.assessment.factories", "build_ruler"),
})

# Case handling (issue 3): builders in tests/casework/factories.py.
PERSON_LEVEL_BUILDERS.update({
    "casework.referral": _lazy_builder("tests.casework.factories", "build_referral"),
    "casework.assignment": _lazy_builder("tests.casework.factories", "build_assignment"),
    "casework.casenote": _lazy_builder("tests.casework.factories", "build_case_note"),
})
