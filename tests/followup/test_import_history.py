"""bistand import-history (shared contract contracts/assistance-history.md): all or nothing, faults
named by line and column, idempotent, persons matched by personnummer, a decided month wins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bistand.audit.models import AuditEvent
from bistand.followup.history import HistoryFileError
from bistand.followup.models import HistoryImport, MonthRole, MonthSource, PersonMonth
from bistand.followup.services import import_history, record_assistance_months
from bistand.people import personnummer as pnr
from bistand.people.models import HouseholdRole, Person
from tests.factories import HouseholdMemberFactory, MunicipalityFactory, PersonFactory
from tests.payments.factories import issued_decision, payment

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 7)
HEADER = "municipality,household,personnummer,role,month,amount,end_reason,name\n"
ADULT = pnr.test_number(dt.date(1980, 5, 17), 0).normalised
PARTNER = pnr.test_number(dt.date(1982, 3, 2), 1).normalised
CHILD = pnr.test_number(dt.date(2015, 8, 30), 2).normalised


@pytest.fixture
def municipality():
    return MunicipalityFactory(code="0680", name="Jönköping")


def _csv(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


def _import(data: bytes, **kwargs):
    return import_history(data, file_name="historik.csv", today=TODAY, **kwargs)


FAMILY = _csv(
    f"0680,A-1,{ADULT},applicant,2024-01,8450.50,,Anna Andersson",
    f"0680,A-1,{PARTNER[:8]}-{PARTNER[8:]},co_applicant,2024-01,,,Bo Andersson",
    f"0680,A-1,{CHILD},child,2024-01,,,",
    f"0680,A-1,{ADULT},applicant,2024-02,9000,work,Anna Andersson",
    f"0680,A-1,{PARTNER},co_applicant,2024-02,,,",
    f"0680,A-1,{CHILD},child,2024-02,,,",
)


def test_a_valid_file_writes_one_person_month_per_row_with_the_amount_in_ore_on_the_applicants_row(municipality):
    result = _import(FAMILY)
    assert (result.rows, result.created, result.persons_created) == (6, 6, 3)
    rows = PersonMonth.objects.order_by("month", "role")
    assert [(r.month, r.role, r.amount_ore, r.end_reason, r.household_key, r.source) for r in rows] == [
        (dt.date(2024, 1, 1), MonthRole.APPLICANT, 845050, "", "x:A-1", MonthSource.IMPORTED),
        (dt.date(2024, 1, 1), MonthRole.CHILD, None, "", "x:A-1", MonthSource.IMPORTED),
        (dt.date(2024, 1, 1), MonthRole.CO_APPLICANT, None, "", "x:A-1", MonthSource.IMPORTED),
        (dt.date(2024, 2, 1), MonthRole.APPLICANT, 900000, "work", "x:A-1", MonthSource.IMPORTED),
        (dt.date(2024, 2, 1), MonthRole.CHILD, None, "", "x:A-1", MonthSource.IMPORTED),
        (dt.date(2024, 2, 1), MonthRole.CO_APPLICANT, None, "", "x:A-1", MonthSource.IMPORTED),
    ]
    anna = Person.objects.get(personnummer=ADULT)
    assert (anna.first_name, anna.last_name, anna.birth_date, anna.municipality) == (
        "Anna", "Andersson", dt.date(1980, 5, 17), municipality)
    assert HistoryImport.objects.get().months_created == 6
    assert AuditEvent.objects.filter(model="people.person", action="create").count() == 3
    assert AuditEvent.objects.filter(model="followup.historyimport").count() == 1


def test_importing_the_same_file_again_changes_nothing(municipality):
    _import(FAMILY)
    before = list(PersonMonth.objects.order_by("pk").values())
    result = _import(FAMILY)
    assert (result.created, result.replaced, result.unchanged, result.persons_created) == (0, 0, 6, 0)
    assert list(PersonMonth.objects.order_by("pk").values()) == before
    assert HistoryImport.objects.count() == 1
    assert Person.objects.count() == 3


def test_one_faulty_row_writes_nothing_and_names_its_line_and_column(municipality):
    data = _csv(
        f"0680,A-1,{ADULT},applicant,2024-01,8450.50,,",
        f"0680,A-2,{PARTNER},applicant,2024-13,100,,",
    )
    with pytest.raises(HistoryFileError) as caught:
        _import(data)
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, "month")]
    assert "Rad 3, kolumn month" in str(caught.value)
    assert PersonMonth.objects.count() == 0
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        (f"0999,A-1,{ADULT},applicant,2024-01,100,,", "municipality", "finns inte"),
        (f"0680,,{ADULT},applicant,2024-01,100,,", "household", "saknas"),
        ("0680,A-1,19800517-0001,applicant,2024-01,100,,", "personnummer", ""),
        ("0680,A-1,8005170000,applicant,2024-01,100,,", "personnummer", "tolv siffror"),
        (f"0680,A-1,{ADULT},parent,2024-01,100,,", "role", "applicant"),
        (f"0680,A-1,{ADULT},applicant,2024-1,100,,", "month", "ÅÅÅÅ-MM"),
        (f"0680,A-1,{ADULT},applicant,2027-01,100,,", "month", "inte börjat"),
        (f"0680,A-1,{ADULT},applicant,2024-01,,,", "amount", "saknas"),
        (f"0680,A-1,{ADULT},applicant,2024-01,12.345,,", "amount", "två decimaler"),
        (f"0680,A-1,{ADULT},applicant,2024-01,0,,", "amount", "större än 0"),
        (f"0680,A-1,{ADULT},applicant,2024-01,100,fired,", "end_reason", "work"),
    ],
)
def test_each_kind_of_faulty_value_is_named_by_line_and_column(municipality, line, column, words):
    with pytest.raises(HistoryFileError) as caught:
        _import(_csv(line))
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, column)]
    assert words in caught.value.errors[0].message


def test_rules_between_rows_are_checked(municipality):
    data = _csv(
        f"0680,A-1,{ADULT},applicant,2024-01,100,,",
        f"0680,A-1,{PARTNER},applicant,2024-01,100,,",  # a second applicant
        f"0680,A-2,{ADULT},applicant,2024-01,100,,",  # the same person twice in the month
        f"0680,A-3,{CHILD},child,2024-01,50,,",  # an amount on a child's row; A-3 has no applicant
    )
    with pytest.raises(HistoryFileError) as caught:
        _import(data)
    assert [(e.line, e.column) for e in caught.value.errors] == [(5, "amount"), (3, "role"), (4, "personnummer")]


def test_a_household_month_without_an_applicant_is_refused(municipality):
    with pytest.raises(HistoryFileError) as caught:
        _import(_csv(f"0680,A-3,{CHILD},child,2024-01,,,"))
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, "role")]
    assert "saknar en rad med rollen applicant" in caught.value.errors[0].message


def test_a_missing_column_is_named(municipality):
    with pytest.raises(HistoryFileError) as caught:
        _import(b"municipality,household,personnummer,role\n")
    assert [(e.line, e.column) for e in caught.value.errors] == [(1, "month")]


def test_other_data_for_an_imported_month_is_refused_without_replace_and_replaces_with_it(municipality):
    _import(FAMILY)
    changed = FAMILY.replace(b"8450.50", b"8500.00")
    with pytest.raises(HistoryFileError) as caught:
        _import(changed)
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, None)]
    assert "--replace" in caught.value.errors[0].message
    assert PersonMonth.objects.get(role=MonthRole.APPLICANT, month=dt.date(2024, 1, 1)).amount_ore == 845050
    result = _import(changed, replace=True)
    assert (result.created, result.replaced, result.unchanged) == (0, 1, 5)
    assert PersonMonth.objects.get(role=MonthRole.APPLICANT, month=dt.date(2024, 1, 1)).amount_ore == 850000
    assert PersonMonth.objects.count() == 6


def test_a_known_person_is_matched_by_personnummer_and_never_changed_by_the_file(municipality):
    protected = PersonFactory(municipality=municipality, personnummer=ADULT, birth_date=dt.date(1980, 5, 17),
                              first_name="Skyddad", last_name="Person", protected_identity=True)
    _import(FAMILY)
    protected.refresh_from_db()
    assert (protected.first_name, protected.last_name, protected.protected_identity) == ("Skyddad", "Person", True)
    assert PersonMonth.objects.filter(person=protected).count() == 2
    assert Person.objects.filter(personnummer=ADULT).count() == 1


def test_the_same_person_in_two_municipalities_is_one_person_per_municipality(municipality):
    MunicipalityFactory(code="0662", name="Gislaved")
    _import(_csv(f"0680,A-1,{ADULT},applicant,2024-01,100,,", f"0662,G-1,{ADULT},applicant,2024-01,100,,"))
    assert Person.objects.filter(personnummer=ADULT).count() == 2
    assert PersonMonth.objects.count() == 2


def test_a_month_decided_in_the_system_wins_over_the_imported_month(municipality):
    decision = issued_decision(municipality, month=dt.date(2026, 3, 1))
    record_assistance_months([payment(decision)])
    applicant = decision.application.applicant
    number = applicant.personnummer
    result = _import(_csv(f"0680,A-1,{number},applicant,2026-03,100,,", f"0680,A-1,{number},applicant,2026-02,100,,"))
    assert (result.created, result.decided_in_system) == (1, 1)
    march = PersonMonth.objects.get(person=applicant, month=dt.date(2026, 3, 1))
    assert (march.source, march.amount_ore) == (MonthSource.DECIDED, decision.amount_ore)


def test_a_decision_made_after_the_import_replaces_the_imported_household_month(municipality):
    decision = issued_decision(municipality, month=dt.date(2026, 3, 1))
    applicant = decision.application.applicant
    _import(_csv(f"0680,A-1,{applicant.personnummer},applicant,2026-03,100,,", f"0680,A-1,{CHILD},child,2026-03,,,"))
    record_assistance_months([payment(decision)])
    rows = PersonMonth.objects.filter(month=dt.date(2026, 3, 1))
    assert [(r.person_id, r.source) for r in rows] == [(applicant.pk, MonthSource.DECIDED)]


def test_decided_months_include_the_households_children_in_the_month(municipality):
    decision = issued_decision(municipality, month=dt.date(2026, 3, 1), adults=2)
    child = HouseholdMemberFactory(household=decision.household, role=HouseholdRole.CHILD,
                                   valid_from=dt.date(2020, 1, 1)).person
    HouseholdMemberFactory(household=decision.household, role=HouseholdRole.CHILD, valid_from=dt.date(2026, 4, 1))
    paid = payment(decision)
    record_assistance_months([paid])
    record_assistance_months([paid])  # idempotent
    rows = PersonMonth.objects.filter(household_key=f"h{decision.household_id}").order_by("role")
    assert [r.role for r in rows] == [MonthRole.APPLICANT, MonthRole.CHILD, MonthRole.CO_APPLICANT]
    assert rows[1].person == child
    assert rows[0].amount_ore == decision.amount_ore


def test_the_command_exits_with_an_error_naming_the_line_and_writes_nothing(municipality, tmp_path):
    path = tmp_path / "historik.csv"
    path.write_bytes(_csv(f"0680,A-1,{ADULT},applicant,2024-01,100,,", f"0680,A-2,{PARTNER},boss,2024-01,100,,"))
    with pytest.raises(CommandError) as caught:
        call_command("import-history", str(path), "--no-progress")
    assert "Rad 3, kolumn role" in str(caught.value)
    assert PersonMonth.objects.count() == 0


def test_the_command_shows_a_progress_bar_on_stderr_and_a_summary_on_stdout(municipality, tmp_path):
    import io

    path = tmp_path / "historik.csv"
    path.write_bytes(FAMILY)
    out, err = io.StringIO(), io.StringIO()
    call_command("import-history", str(path), stdout=out, stderr=err)
    assert "Läser in historik" in err.getvalue()
    assert "6 nya personmånader" in out.getvalue()


def test_the_migration_builds_person_months_of_decisions_paid_before_the_base_existed(municipality):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("bistand.followup.migrations.0005_backfill_person_months").backfill
    decision = issued_decision(municipality, month=dt.date(2026, 3, 1), adults=2)
    HouseholdMemberFactory(household=decision.household, role=HouseholdRole.CHILD, valid_from=dt.date(2020, 1, 1))
    record_assistance_months([payment(decision)])
    expected = sorted(PersonMonth.objects.values_list("person_id", "role", "amount_ore", "household_key", "month"))
    PersonMonth.objects.all().delete()
    backfill(apps, None)
    assert sorted(PersonMonth.objects.values_list("person_id", "role", "amount_ore", "household_key", "month")) == expected
    backfill(apps, None)  # again: nothing new
    assert PersonMonth.objects.count() == len(expected) == 3
