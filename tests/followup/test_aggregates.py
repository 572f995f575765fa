"""The precomputed follow-up (bistand.followup.aggregates): the aggregates give exactly what the definitions
give from the raw person-month base, for the hand-computed table of test_indicators and over generated
data changed step by step (Hypothesis); the writers mark what they change and refresh after commit; a
stale number is shown with the time it was computed."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bistand.common.months import add_months
from bistand.followup import aggregates as agg
from bistand.followup import dashboard as dash
from bistand.followup import indicators as ind
from bistand.followup.models import AggregateTouch, CondensedYear, IndicatorAggregate, MonthSource, PersonMonth
from bistand.followup.services import import_history
from bistand.people import personnummer as pnr
from bistand.tenancy.models import Municipality
from tests.factories import MunicipalityFactory, PersonFactory, RegionFactory
from tests.followup.test_indicators import _BORN, EXPECTED_A, EXPECTED_B, EXPECTED_REGION, TODAY, region  # noqa: F401

YEARS = range(2022, 2028)
FILTERS = [dash.Filters(), dash.Filters(sex="women"), dash.Filters(household_type="5"), dash.Filters(age_group="18-19"),
           dash.Filters(sex="men", age_group="20-24")]


def _municipality(code):
    return Municipality.objects.get(code=code)


def _assert_identical(region_obj, years=YEARS, filters_list=(agg.EVERYONE,)):
    """Every municipality of the region and the region: the aggregates equal the raw base, year by year."""
    for year in years:
        for filters in filters_list:
            raw = dash.region_overview(region_obj, year, filters)
            stored = agg.region_overview(region_obj, year, filters)
            assert stored.total == raw.total, (year, filters)
            assert stored.municipalities == raw.municipalities, (year, filters)
            for municipality in region_obj.municipalities.all():
                raw_board = dash.municipality_dashboard(municipality, year, filters)
                board = agg.municipality_dashboard(municipality, year, filters)
                assert board.indicators == raw_board.indicators, (municipality.code, year, filters)
                assert board.months == raw_board.months, (municipality.code, year, filters)
                assert board.latest_month == raw_board.latest_month


# --- the hand-computed table and its edge cases ------------------------------------------------------


def test_a_refresh_after_the_import_stores_every_year_with_data_for_each_municipality_and_the_region(region):
    assert {(m, month.year) for m, month in AggregateTouch.objects.values_list("municipality_id", "month")}
    result = agg.refresh()
    assert result.touches > 0 and AggregateTouch.objects.count() == 0
    stored = set(IndicatorAggregate.objects.values_list("scope_key", "year", "filters"))
    a, b = _municipality("0680").pk, _municipality("0662").pk
    assert {(f"m:{a}", year, "") for year in range(2023, 2027)} <= stored  # A's data: 2023-01 … 2026-04
    assert (f"m:{b}", 2025, "") in stored and (f"m:{b}", 2023, "") not in stored  # B's data: 2025 only
    assert {(f"r:{region.pk}", year, "") for year in range(2023, 2027)} <= stored
    count = IndicatorAggregate.objects.count()
    assert agg.refresh().aggregates == 0 and IndicatorAggregate.objects.count() == count  # idempotent


def test_the_aggregates_give_the_hand_computed_table_exactly(region):
    agg.refresh()
    assert agg.municipality_indicators(_municipality("0680"), 2025)[0] == EXPECTED_A
    assert agg.municipality_indicators(_municipality("0662"), 2025)[0] == EXPECTED_B
    assert agg.region_indicators(region, 2025)[0] == EXPECTED_REGION
    assert list(agg.region_indicators(region, 2025)[0]) == ["scope", "year", *ind.DEFINITIONS]


def test_the_aggregates_equal_the_raw_base_for_every_year_scope_and_filter_of_the_table(region):
    agg.refresh()
    _assert_identical(region, filters_list=FILTERS)


def test_a_filtered_combination_is_stored_when_first_asked_for_and_refreshed_after(region):
    agg.refresh()
    women = dash.Filters(sex="women")
    a = _municipality("0680")
    assert not IndicatorAggregate.objects.filter(filters=agg.filters_key(women)).exists()
    first = agg.municipality_dashboard(a, 2025, women)
    assert IndicatorAggregate.objects.filter(scope_key=f"m:{a.pk}", year=2025, filters=agg.filters_key(women)).exists()
    PersonMonth.objects.filter(municipality=a, month=dt.date(2025, 2, 1), role="child").delete()
    agg.touch([(a.pk, dt.date(2025, 2, 1))], refresh_on_commit=False)
    agg.refresh()
    again = agg.municipality_dashboard(a, 2025, women)
    assert again.indicators == dash.municipality_dashboard(a, 2025, women).indicators
    assert again.computed_at > first.computed_at


def test_a_later_month_changes_the_exits_of_earlier_years_through_how_far_the_data_reaches(region):
    """B's data reach 2025-12, so P2's December exit is not counted there. A month of 2027-06 in B (two
    years on: not a year that reads 2027) makes the data reach M+3 and M+12: the exit is counted and
    followed."""
    agg.refresh()
    b = _municipality("0662")
    assert agg.municipality_indicators(b, 2025)[0]["exits"] == 0
    other = PersonFactory(municipality=b, personnummer=pnr.test_number(dt.date(1995, 1, 1), 7).normalised,
                          birth_date=dt.date(1995, 1, 1))
    PersonMonth.objects.create(municipality=b, household_key="x:B-9", person=other, month=dt.date(2027, 6, 1),
                               role="applicant", amount_ore=100, source=MonthSource.IMPORTED)
    agg.touch([(b.pk, dt.date(2027, 6, 1))], refresh_on_commit=False)
    agg.refresh()
    assert agg.municipality_indicators(b, 2025)[0]["exits_followed_12_months"] == 1
    _assert_identical(region)


# --- generated data, changed step by step ------------------------------------------------------------

_people = st.sampled_from(sorted(_BORN))
_row = st.tuples(
    st.sampled_from(["0680", "0662"]), st.sampled_from(["h1", "h2", "h3"]), _people,
    st.integers(min_value=0, max_value=59), st.sampled_from(["applicant", "co_applicant", "child"]),
    st.sampled_from(["", "work", "studies", "other"]), st.integers(min_value=1, max_value=10**7),
)
_change = st.tuples(_row, st.booleans())  # (row, delete instead of write)


@pytest.fixture
def persons(db):
    region_obj = RegionFactory(code="06", name="Region Jönköpings län")
    out = {}
    for code, name in (("0680", "Jönköping"), ("0662", "Gislaved")):
        municipality = MunicipalityFactory(code=code, name=name, region=region_obj)
        for number, born in _BORN.items():
            out[(code, number)] = PersonFactory(municipality=municipality, personnummer=number, birth_date=born)
    return region_obj, out


def _write(persons, changes) -> set[tuple[int, dt.date]]:
    touched = set()
    for (code, household, number, offset, role, reason, amount), delete in changes:
        person = persons[(code, number)]
        month = add_months(dt.date(2022, 1, 1), offset)
        PersonMonth.objects.filter(municipality_id=person.municipality_id, person=person, month=month).delete()
        if not delete:
            PersonMonth.objects.create(
                municipality_id=person.municipality_id, household_key=household, person=person, month=month, role=role,
                amount_ore=amount if role == "applicant" else None, end_reason=reason if role == "applicant" else "",
                source=MonthSource.IMPORTED)
        touched.add((person.municipality_id, month))
    return touched


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], phases=[Phase.generate])
@given(first=st.lists(_row.map(lambda row: (row, False)), max_size=50),
       steps=st.lists(st.lists(_change, min_size=1, max_size=6), max_size=3))
def test_incrementally_refreshed_aggregates_equal_the_raw_base_over_generated_data(persons, first, steps):
    region_obj, people = persons
    PersonMonth.objects.all().delete()
    IndicatorAggregate.objects.all().delete()
    AggregateTouch.objects.all().delete()
    CondensedYear.objects.all().delete()
    agg.touch(_write(people, first), refresh_on_commit=False)
    agg.refresh()
    _assert_identical(region_obj)
    _assert_condensed_layer_equals_the_base()
    for changes in steps:
        agg.touch(_write(people, changes), refresh_on_commit=False)
        agg.refresh()
        _assert_condensed_layer_equals_the_base()
        _assert_identical(region_obj)


def _assert_condensed_layer_equals_the_base():
    """Every stored condensed year is what condensing that year's person-months gives now."""
    for pk, year, text in CondensedYear.objects.values_list("municipality_id", "year", "rows"):
        raw = ind.condense(row[:8] for row in dash._rows((pk,), dt.date(year, 1, 1), dt.date(year, 12, 1)))
        key = lambda r: (r.household, r.person)  # noqa: E731
        assert sorted(agg._decode_condensed(pk, year, text), key=key) == sorted(raw, key=key), (pk, year)


def test_a_changed_month_reads_only_its_own_municipalitys_person_months(region):
    """The region's aggregates are made from the other municipalities' condensed years, not their
    person-months: after one changed month of A, no person-month of B is read again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agg.refresh()
    a = _municipality("0680")
    PersonMonth.objects.filter(municipality=a, month=dt.date(2025, 2, 1), role="child").delete()
    agg.touch([(a.pk, dt.date(2025, 2, 1))], refresh_on_commit=False)
    table = PersonMonth._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        result = agg.refresh()
    assert result.aggregates > 0
    read = set()  # the municipalities whose person-months were read row by row
    for sql in (q["sql"] for q in queries.captured_queries):
        head = sql.lstrip().upper()  # on PostgreSQL the rows come through a server-side cursor (DECLARE … FOR SELECT)
        if head.startswith(("SELECT", "DECLARE")) and f'FROM "{table}"' in sql and "MIN(" not in head:
            for ids in re.findall(r'"municipality_id" IN \(([^)]*)\)', sql):
                read |= {int(pk) for pk in ids.split(",")}
            read |= {int(pk) for pk in re.findall(r'"municipality_id" = (\d+)', sql)}
    assert read == {a.pk}, read
    _assert_identical(region)
    _assert_condensed_layer_equals_the_base()


# --- the writers and the refresh after commit --------------------------------------------------------


def test_import_history_marks_the_months_it_writes(db):
    region_obj = RegionFactory(code="06", name="Region Jönköpings län")
    MunicipalityFactory(code="0680", name="Jönköping", region=region_obj)
    MunicipalityFactory(code="0662", name="Gislaved", region=region_obj)
    from tests.followup.test_indicators import _table

    import_history(_table(), file_name="tabell.csv", today=TODAY)
    touched = set(AggregateTouch.objects.values_list("municipality_id", "month"))
    assert touched == set(PersonMonth.objects.order_by().values_list("municipality_id", "month").distinct())
    AggregateTouch.objects.all().delete()
    import_history(_table(), file_name="tabell.csv", today=TODAY)  # the same file again changes nothing
    assert AggregateTouch.objects.count() == 0


def test_the_writers_refresh_the_aggregates_when_their_transaction_commits(db, django_capture_on_commit_callbacks):
    region_obj = RegionFactory(code="06", name="Region Jönköpings län")
    MunicipalityFactory(code="0680", name="Jönköping", region=region_obj)
    MunicipalityFactory(code="0662", name="Gislaved", region=region_obj)
    from tests.followup.test_indicators import _table

    with django_capture_on_commit_callbacks(execute=True):
        import_history(_table(), file_name="tabell.csv", today=TODAY)
    assert AggregateTouch.objects.count() == 0
    stored = IndicatorAggregate.objects.get(scope_key=f"r:{region_obj.pk}", year=2025, filters="")
    assert agg._indicators(stored) == EXPECTED_REGION


def test_an_end_reason_marks_its_month(db):
    from bistand.followup.barriers import record_end_reason
    from bistand.followup.services import record_assistance_months
    from tests.payments.factories import issued_decision, payment

    municipality = MunicipalityFactory()
    decision = issued_decision(municipality, month=dt.date(2026, 3, 1))
    record_assistance_months([payment(decision)])
    assert set(AggregateTouch.objects.values_list("municipality_id", "month")) == {(municipality.pk, dt.date(2026, 3, 1))}
    AggregateTouch.objects.all().delete()
    record_end_reason(actor=None, household=decision.household, month=dt.date(2026, 3, 1), reason="work")
    assert set(AggregateTouch.objects.values_list("municipality_id", "month")) == {(municipality.pk, dt.date(2026, 3, 1))}


# --- a stale number is shown with its time ------------------------------------------------------------


def test_a_change_not_yet_counted_in_is_shown_with_when_the_numbers_were_computed(region):
    agg.refresh()
    a = _municipality("0680")
    board = agg.municipality_dashboard(a, 2025)
    assert board.pending_since is None
    agg.touch([(a.pk, dt.date(2025, 5, 1))], refresh_on_commit=False)
    stale = agg.municipality_dashboard(a, 2025)
    assert stale.pending_since is not None and stale.computed_at == board.computed_at
    assert agg.region_overview(region, 2025).pending_since is not None


def test_the_pages_say_when_the_numbers_were_computed_and_that_changes_wait(client, region):
    from bistand.tenancy.roles import Role
    from tests.factories import user_with_role

    agg.refresh()
    a = _municipality("0680")
    client.force_login(user_with_role(Role.MANAGER, a))
    page = client.get("/handlaggning/uppfoljning/", {"year": 2025}).content.decode()
    assert "Uppdaterad " in page and "Siffrorna uppdateras" not in page
    agg.touch([(a.pk, dt.date(2025, 5, 1))], refresh_on_commit=False)
    page = client.get("/handlaggning/uppfoljning/", {"year": 2025}).content.decode()
    assert "Uppdaterad " in page and "Siffrorna uppdateras" in page
    client.force_login(user_with_role(Role.REGIONAL_COORDINATOR, region=region))
    page = client.get("/region/", {"year": 2025}).content.decode()
    assert "Uppdaterad " in page and "Siffrorna uppdateras" in page


# --- the commands ------------------------------------------------------------------------------------


def test_the_refresh_command_counts_in_what_is_waiting_and_again_does_nothing(region):
    out = io.StringIO()
    call_command("followup", "refresh", stdout=out)
    assert "ändrade månader räknades in" in out.getvalue() and AggregateTouch.objects.count() == 0
    out = io.StringIO()
    call_command("followup", "refresh", stdout=out)
    assert "Inget väntade på omräkning" in out.getvalue()
    out = io.StringIO()
    call_command("followup", "refresh", "--all", stdout=out)
    assert "räknades om" in out.getvalue()


def test_the_indicators_command_reads_the_aggregates_and_says_when_they_were_computed(region):
    agg.refresh()
    stored = IndicatorAggregate.objects.get(scope_key=f"m:{_municipality('0680').pk}", year=2025, filters="")
    out, err = io.StringIO(), io.StringIO()
    call_command("indicators", "--municipality", "0680", "--year", "2025", "--json", stdout=out, stderr=err)
    assert "Nyckeltalen beräknades" in err.getvalue()
    assert out.getvalue().strip() == ind.to_json(agg._indicators(stored))
    raw = io.StringIO()
    call_command("indicators", "--municipality", "0680", "--year", "2025", "--json", "--raw", stdout=raw, stderr=io.StringIO())
    assert raw.getvalue() == out.getvalue()
