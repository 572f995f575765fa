"""Reading the stored inputs for the what-if simulation: PostgreSQL's COPY path gives exactly the bytes of the
stored inputs and the same report as the plain query (run with `pytest --postgres`); the plain query
works on any database."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from django.db import connection

from bistand.calculations.models import StoredCalculation
from bistand.calculations.services import build_input_for_household, calculate_and_store
from bistand.common.pgcopy import copy_chunks
from bistand.engine import batch_io
from bistand.research import selectors
from bistand.research.selectors import simulate, stored_input_parts, stored_inputs
from bistand.rules.whatif import ParameterChange
from tests.calculations.factories import StoredCalculationFactory
from tests.factories import MunicipalityFactory, RegionFactory, household_with_members

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                   reason="COPY is PostgreSQL's (pytest --postgres)")

NOTES = [
    'Hyra "oktober" enligt avtal',
    "Sökväg C:\\hyror\\2025\\ och \\n som text",
    "Räksmörgås åäö ÅÄÖ é ü – “citat” 😀",
    "Två rader:\nrad två\tmed tabb och \\\" blandat\r\n",
    "\\",
    '\\"',
]


def _tricky_caseload(municipality):
    """Households whose stored inputs have notes with quotes, backslashes, non-ASCII and newlines."""
    households = []
    for i, note in enumerate(NOTES):
        household = household_with_members(municipality, adults=1 + i % 2)
        document = build_input_for_household(
            household, "2025-03",
            costs=[{"type": "rent", "amount": 5000 + 100 * i, "note": note},
                   {"type": "household_electricity", "amount": "312.50", "note": note[::-1]}],
        )
        calculate_and_store(household, "2025-03", document, "system")
        households.append(household)
    return households


def _by_household(inputs) -> dict[int, tuple[bytes, int]]:
    lines = bytes(inputs.text).split(b"\n")[:-1]
    assert len(lines) == len(inputs)
    return {int(h): (line.strip(b" "), int(d))
            for h, line, d in zip(inputs.households, lines, inputs.decided, strict=True)}


@postgres_only
def test_the_copy_path_gives_the_stored_json_byte_for_byte_with_quotes_backslashes_non_ascii_and_newlines():
    m = MunicipalityFactory()
    households = _tricky_caseload(m)
    first = dt.date(2025, 3, 1)
    copied = _by_household(stored_inputs([m.pk], first, first, method="copy"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT household_id, input_data::text, amount_ore FROM calculations_storedcalculation "
                       "WHERE municipality_id = %s", [m.pk])
        expected = {h: (text.encode(), amount // 100) for h, text, amount in cursor.fetchall()}
    assert copied == expected
    notes = {json.loads(line)["costs"][0]["note"] for line, _ in copied.values()}
    assert notes == set(NOTES)
    assert {h.pk for h in households} == set(copied)


@postgres_only
def test_the_copy_path_and_the_plain_query_read_the_same_latest_inputs():
    region = RegionFactory()
    a, b = MunicipalityFactory(region=region), MunicipalityFactory(region=region)
    _tricky_caseload(a)
    for rent in (5000, 6500):
        household = household_with_members(b, adults=2)
        for month in ("2025-02", "2025-03", "2025-04"):
            StoredCalculationFactory(household=household, month=month, rent=rent)
            StoredCalculationFactory(household=household, month=month, rent=rent + 700)  # a recalculation
    first, last = dt.date(2025, 3, 1), dt.date(2025, 4, 1)
    copied = stored_inputs([a.pk, b.pk], first, last, method="copy")
    plain = stored_inputs([a.pk, b.pk], first, last, method="rows")
    assert len(copied) == len(plain) == len(NOTES) + 2 * 2
    assert sorted(_by_household_month(copied)) == sorted(_by_household_month(plain))


def _by_household_month(inputs) -> list[tuple[int, str, bytes, int]]:
    lines = bytes(inputs.text).split(b"\n")[:-1]
    return [(int(h), json.loads(line)["month"], json.dumps(json.loads(line), sort_keys=True).encode(), int(d))
            for h, line, d in zip(inputs.households, lines, inputs.decided, strict=True)]


@postgres_only
@pytest.mark.parametrize("reader", ["compiled", "python"])
@pytest.mark.parametrize("change", [("0", []), ("2", []), ("-3,5", ["local.*.housing_cost_ceiling.2.0=7000"])])
def test_the_report_is_the_same_whether_the_inputs_are_copied_streamed_in_parts_or_queried(change, reader,
                                                                                         monkeypatch):
    if reader == "python":
        monkeypatch.setattr(batch_io, "use_compiled_reader", False)
    elif not batch_io.use_compiled_reader:
        pytest.skip("the compiled reader is not built")
    region = RegionFactory()
    a, b = MunicipalityFactory(region=region), MunicipalityFactory(region=region)
    _tricky_caseload(a)
    for i, rent in enumerate(range(4000, 9000, 500)):
        household = household_with_members(b, adults=1 + i % 2)
        for month in ("2025-03", "2025-04"):
            StoredCalculationFactory(household=household, month=month, rent=rent, wage=1500 * (i % 3))
        StoredCalculationFactory(household=household, month="2025-04", rent=rent + 250)
    parameter_change = ParameterChange.build(*change)
    copied = simulate([a, b], "2025-03", "2025-04", parameter_change, scope="R", method="copy").to_dict()
    plain = simulate([a, b], "2025-03", "2025-04", parameter_change, scope="R", method="rows").to_dict()
    assert copied == plain
    # in parts of a few household-months each (the parts' boundaries must not change a figure)
    monkeypatch.setattr(selectors, "STREAM_PART_BYTES", 1500)
    assert len(list(stored_input_parts([a.pk, b.pk], dt.date(2025, 3, 1), dt.date(2025, 4, 1),
                                       method="stream"))) > 3
    streamed = simulate([a, b], "2025-03", "2025-04", parameter_change, scope="R", method="stream").to_dict()
    assert streamed == plain
    assert copied["household_months"] == len(NOTES) + 10 * 2
    if change[0] == "0":
        assert copied["cost_change"] == 0


def test_the_plain_query_reads_the_latest_input_of_each_household_month_on_any_database():
    m = MunicipalityFactory()
    household = household_with_members(m)
    StoredCalculationFactory(household=household, month="2025-03", rent=5000)
    StoredCalculationFactory(household=household, month="2025-03", rent=6000)
    StoredCalculationFactory(household=household, month="2025-04", rent=5500)
    inputs = stored_inputs([m.pk], dt.date(2025, 3, 1), dt.date(2025, 4, 1), method="rows")
    rents = sorted(json.loads(line)["costs"][0]["amount"] for line in bytes(inputs.text).split(b"\n")[:-1])
    assert rents == [5500, 6000]
    assert inputs.households.tolist() == [household.pk, household.pk]
    assert inputs.decided.dtype == np.int64


def test_the_copy_path_is_refused_where_there_is_no_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    with pytest.raises(ValueError, match="copy"):
        stored_inputs([1], dt.date(2025, 3, 1), dt.date(2025, 3, 1), method="copy")


@postgres_only
def test_inputs_stored_with_line_breaks_and_tabs_between_tokens_are_read_alike_by_copy_and_by_the_plain_query():
    # the input column is `json` (kept as written): a document written over several lines by some other
    # writer must still be one household-month for both readers, with the same figures
    m = MunicipalityFactory()
    households = _tricky_caseload(m)
    table = "calculations_storedcalculation"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, input_data::text FROM {table} WHERE household_id = %s", [households[3].pk])
        pk, text = cursor.fetchone()
        pretty = json.dumps(json.loads(text), indent="\t", ensure_ascii=False).replace("\n", "\r\n")
        cursor.execute(
            f"INSERT INTO {table} (municipality_id, household_id, month, input_data, input_hash, result, amount_ore, "
            "outcome, engine_version, parameter_hash, made_by, made_by_name, created_at) "
            "SELECT municipality_id, household_id, month, %s::json, 'pretty', result, amount_ore, outcome, "
            "engine_version, parameter_hash, made_by, made_by_name, created_at + interval '1 second' "
            f"FROM {table} WHERE id = %s", [pretty, pk])
    first = dt.date(2025, 3, 1)
    copied = stored_inputs([m.pk], first, first, method="copy")
    plain = stored_inputs([m.pk], first, first, method="rows")
    assert len(copied) == len(plain) == len(NOTES)
    assert sorted(_by_household_month(copied)) == sorted(_by_household_month(plain))
    change = ParameterChange.build("2")
    assert (simulate([m], "2025-03", "2025-03", change, method="copy").to_dict()
            == simulate([m], "2025-03", "2025-03", change, method="rows").to_dict())


@postgres_only
def test_streamed_parts_are_the_copied_inputs_and_the_connection_can_be_queried_between_parts(monkeypatch):
    # The engine may ask the database for a year's parameters while the stream is open (a year after the
    # packaged ones): the reader thread finishes the COPY on its own, so such a query waits and does not hang.
    region = RegionFactory()
    a = MunicipalityFactory(region=region)
    _tricky_caseload(a)
    for rent in range(4000, 7000, 500):
        household = household_with_members(a, adults=2)
        StoredCalculationFactory(household=household, month="2025-03", rent=rent)
    monkeypatch.setattr(selectors, "STREAM_PART_BYTES", 800)
    first = dt.date(2025, 3, 1)
    parts, counts = [], []
    for part in stored_input_parts([a.pk], first, first, method="stream"):
        parts.append(part)
        counts.append(StoredCalculation.objects.filter(municipality=a).count())
    assert len(parts) > 3 and set(counts) == {len(NOTES) + 6}
    copied = stored_inputs([a.pk], first, first, method="copy")
    assert np.concatenate([p.households for p in parts]).tolist() == copied.households.tolist()
    assert np.concatenate([p.decided for p in parts]).tolist() == copied.decided.tolist()
    assert b"".join(bytes(p.text) for p in parts) == bytes(copied.text)


@postgres_only
def test_an_error_in_the_streamed_copy_is_raised_in_the_callers_thread():
    with connection.cursor() as cursor, pytest.raises(Exception, match="division by zero"):
        list(copy_chunks(cursor.cursor, "COPY (SELECT 1 / (3 - g) FROM generate_series(1, 5) g) TO STDOUT",
                         chunk_bytes=1, reader_thread=True))
