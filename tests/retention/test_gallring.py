"""Gallring (SoL 2025:400 16 kap. 1 §): a case is removed five years after its last entry, unless kept
for research; only `bistand gallra` can remove issued decisions, payments and audit rows. The clock is
pinned with time-machine."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from bistand.audit.guards import OVERRIDE_TABLE
from bistand.audit.models import AccessLog, AuditEvent
from bistand.audit.services import record_create
from bistand.decisions.models import Decision, DecisionLine
from bistand.payments.models import Payment
from bistand.people.models import Household, HouseholdMember, Person
from bistand.registers.models import RegisterFetch
from bistand.retention import selectors, services
from bistand.retention.models import Gallring, RetentionPlan
from tests.factories import (
    PERSON_LEVEL_BUILDERS,
    AccessLogFactory,
    HouseholdMemberFactory,
    MunicipalityFactory,
    household_with_members,
)
from tests.payments.factories import issued_decision, payment

pytestmark = pytest.mark.django_db

STOCKHOLM = dt.timezone(dt.timedelta(hours=1))
LAST_ENTRY = dt.datetime(2020, 3, 10, 12, 0, tzinfo=STOCKHOLM)
BIRTH_DATE = dt.date(1980, 6, 3)  # not a research day (5, 15, 25)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def day(year, month, d) -> dt.datetime:
    return dt.datetime(year, month, d, 12, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def municipality():
    return MunicipalityFactory()


def a_case(municipality, *, birth_date=BIRTH_DATE):
    """A household with an issued decision, its lines, a payment, an access-log row and audit events."""
    household = household_with_members(municipality, birth_date=birth_date)
    decision = issued_decision(municipality, household=household)
    paid = payment(decision)
    person = household.members.first().person
    log = AccessLogFactory(person=person, municipality=municipality)
    event = record_create(user=None, instance=decision, municipality_id=municipality.pk)
    return household, decision, paid, person, log, event


def exists(household) -> bool:
    return Household.objects.filter(pk=household.pk).exists()


def test_a_case_is_removed_five_years_after_its_last_entry_and_not_a_day_before(municipality):
    with at(LAST_ENTRY):
        household, decision, paid, person, log, event = a_case(municipality)
    with at(day(2025, 3, 9)):
        report = services.gallra(municipality)
    assert report.removed == 0 and exists(household)
    with at(day(2025, 3, 10)):
        report = services.gallra(municipality)
    assert report.removed == 1
    assert not exists(household)
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not Decision.objects.filter(pk=decision.pk).exists()
    assert not DecisionLine.objects.filter(decision_id=decision.pk).exists()
    assert not Payment.objects.filter(pk=paid.pk).exists()
    assert not AccessLog.objects.filter(pk=log.pk).exists()
    assert not AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_gallring_leaves_an_anonymous_count_in_the_audit_trail(municipality):
    with at(LAST_ENTRY):
        household, decision, paid, person, *_ = a_case(municipality)
    with at(day(2025, 6, 1)):
        services.gallra(municipality)
    [event] = AuditEvent.objects.filter(model="retention.gallring")
    gallring = Gallring.objects.get()
    assert event.object_id == str(gallring.pk) and event.municipality_id == municipality.pk
    counts = event.changes["ärende"]["old"]
    assert counts["decisions.decision"] == 1 and counts["payments.payment"] == 1 and counts["people.person"] == 1
    assert gallring.cases_removed == 1 and gallring.records["decisions.decision"] == 1
    text = str(event.changes) + str(gallring.records)
    for identifying in (person.personnummer, person.first_name, person.last_name):
        assert identifying not in text


def test_a_later_entry_in_the_case_postpones_the_gallring(municipality):
    with at(LAST_ENTRY):
        household, *_ = a_case(municipality)
    with at(day(2024, 1, 20)):
        issued_decision(municipality, household=household, month=dt.date(2024, 2, 1))
    with at(day(2026, 1, 1)):
        assert services.gallra(municipality).removed == 0
    assert exists(household)
    with at(day(2029, 1, 20)):
        assert services.gallra(municipality).removed == 1
    assert not exists(household)


def test_reading_a_case_is_not_an_entry_that_postpones_it(municipality):
    with at(LAST_ENTRY):
        household, _d, _p, person, *_ = a_case(municipality)
    with at(day(2024, 12, 1)):
        AccessLogFactory(person=person, municipality=municipality)
    with at(day(2025, 3, 10)):
        assert services.gallra(municipality).removed == 1


def test_a_dry_run_reports_and_removes_nothing(municipality):
    with at(LAST_ENTRY):
        household, decision, *_ = a_case(municipality)
    with at(day(2025, 6, 1)):
        report = services.gallra(municipality, dry_run=True)
    assert report.due == 1 and report.removed == 0
    assert report.records["decisions.decision"] == 1
    assert exists(household) and Decision.objects.filter(pk=decision.pk).exists()
    assert not AuditEvent.objects.filter(model="retention.gallring").exists()
    assert Gallring.objects.get().dry_run


def test_a_case_with_a_person_born_on_a_research_day_is_kept(municipality):
    with at(LAST_ENTRY):
        kept, *_ = a_case(municipality, birth_date=dt.date(1980, 6, 15))
        removed, *_ = a_case(municipality)
    with at(day(2026, 1, 1)):
        report = services.gallra(municipality)
    assert exists(kept) and not exists(removed)
    assert report.kept_for_research == 1 and Gallring.objects.get().cases_kept_for_research == 1


def test_a_municipality_in_the_research_selection_keeps_every_case(municipality):
    RetentionPlan.objects.create(municipality=municipality, keep_all_for_research=True)
    with at(LAST_ENTRY):
        household, *_ = a_case(municipality)
    with at(day(2026, 1, 1)):
        assert services.gallra(municipality).kept_for_research == 1
    assert exists(household)


def test_only_the_municipality_asked_for_is_touched(municipality):
    other = MunicipalityFactory()
    with at(LAST_ENTRY):
        here, *_ = a_case(municipality)
        there, *_ = a_case(other)
    with at(day(2026, 1, 1)):
        services.gallra(municipality)
    assert not exists(here) and exists(there)


def test_two_households_sharing_a_person_are_removed_together_when_both_are_due(municipality):
    with at(LAST_ENTRY):
        first, _d, _p, person, *_ = a_case(municipality)
    with at(day(2022, 5, 1)):
        second = household_with_members(municipality, birth_date=BIRTH_DATE)
        HouseholdMemberFactory(household=second, person=person, role="partner")
    with at(day(2025, 6, 1)):
        assert services.gallra(municipality).removed == 0
    assert exists(first) and exists(second) and Person.objects.filter(pk=person.pk).exists()
    with at(day(2027, 5, 1)):
        assert services.gallra(municipality).removed == 1
    assert not exists(first) and not exists(second)


def test_a_shorter_time_for_register_data_removes_only_that_part(municipality):
    from tests.registers.factories import build_register_fact

    RetentionPlan.objects.create(municipality=municipality, register_data_months=12)
    with at(LAST_ENTRY):
        household, decision, *_ = a_case(municipality)
        fact = build_register_fact(municipality, made={"people.household": household,
                                                       "people.person": household.members.first().person})
    with at(day(2021, 3, 10)):
        report = services.gallra(municipality)
    assert report.parts == 1 and report.removed == 0
    assert not RegisterFetch.objects.filter(pk=fact.fetch_id).exists()
    assert exists(household) and Decision.objects.filter(pk=decision.pk).exists()
    with at(day(2021, 4, 1)):
        assert services.gallra(municipality).parts == 0  # nothing more to do: idempotent


def test_every_person_level_record_of_the_municipality_goes_and_shared_ones_stay(municipality):
    """One object of every person-level model (the cross-municipality builders), all five years old."""
    RetentionPlan.objects.create(municipality=municipality, research_birth_days="")
    with at(LAST_ENTRY):
        made = {}
        for label, build in PERSON_LEVEL_BUILDERS.items():
            made[label] = build(municipality, made=made)
    # A bank file, an approval batch, a history import and a statistics export are the municipality's, not a case's; the
    # audit event (a change of the person) is the case's and goes with it.
    shared = {"payments.paymentexport", "payments.automatedapprovalbatch", "followup.historyimport",
              "followup.statisticsexport"}
    with at(day(2026, 1, 1)):
        report = services.gallra(municipality)
    assert not report.failed
    for label, obj in made.items():
        still_there = type(obj).objects.filter(pk=obj.pk).exists()
        assert still_there == (label in shared), label
    assert not Person.objects.filter(municipality=municipality).exists()


def test_the_guards_are_back_in_place_after_a_gallring(municipality):
    with at(LAST_ENTRY):
        a_case(municipality)
        _h, decision, *_ = a_case(municipality, birth_date=dt.date(1990, 1, 5))  # kept for research
    with at(day(2026, 1, 1)):
        services.gallra(municipality)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {OVERRIDE_TABLE}")
        assert cursor.fetchone()[0] == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).delete()


def test_a_case_that_cannot_be_removed_is_rolled_back_whole_and_reported(municipality, monkeypatch):
    with at(LAST_ENTRY):
        household, decision, paid, person, *_ = a_case(municipality)
    real = services._delete_rows

    def fail_half_way(rows):
        real({Payment: rows[Payment]})
        raise IntegrityError("simulated")

    monkeypatch.setattr(services, "_delete_rows", fail_half_way)
    with at(day(2026, 1, 1)):
        report = services.gallra(municipality)
    assert report.failed and report.removed == 0
    assert Payment.objects.filter(pk=paid.pk).exists() and exists(household)
    monkeypatch.setattr(services, "_delete_rows", real)
    with at(day(2026, 1, 2)):
        assert services.gallra(municipality).removed == 1


def test_the_plan_refuses_a_part_kept_longer_than_the_case_naming_the_field(municipality):
    plan = RetentionPlan(municipality=municipality, case_months=60, attachment_months=72, research_birth_days="5,15,32")
    with pytest.raises(ValidationError) as caught:
        plan.full_clean()
    assert "bilagor" in " ".join(caught.value.message_dict["attachment_months"]).lower()
    assert "32" in " ".join(caught.value.message_dict["research_birth_days"])


def test_the_due_day_is_the_same_day_months_later_or_the_months_last_day():
    assert selectors.due_date(day(2020, 3, 10), 60) == dt.date(2025, 3, 10)
    assert selectors.due_date(day(2020, 1, 31), 1) == dt.date(2020, 2, 29)
    assert selectors.due_date(day(2019, 2, 28), 12) == dt.date(2020, 2, 28)


def test_the_command_reports_in_swedish_and_a_dry_run_keeps_everything(municipality):
    with at(LAST_ENTRY):
        household, *_ = a_case(municipality)
    out = StringIO()
    with at(day(2026, 1, 1)):
        call_command("gallra", "--municipality", municipality.code, "--dry-run", stdout=out)
    assert "bara rapport" in out.getvalue() and "hela ärenden som skulle gallras: 1" in out.getvalue()
    assert exists(household)
    out = StringIO()
    with at(day(2026, 1, 1)):
        call_command("gallra", "--municipality", municipality.code, stdout=out)
    assert "hela ärenden som gallrades: 1" in out.getvalue()
    assert not exists(household)
    assert not HouseholdMember.objects.filter(household_id=household.pk).exists()
