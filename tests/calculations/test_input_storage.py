"""How a stored calculation's input is kept in the database: on PostgreSQL as `json` (the text exactly as
written, so that the what-if's COPY needs no conversion from `jsonb`), on SQLite as before; the dict read back
is the one stored (exact Decimals, keys in their order) on both, and the table stays immutable after the
column's type changed."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from bistand.calculations.inputs import DecimalJSONEncoder
from bistand.calculations.models import StoredCalculation
from bistand.calculations.services import bulk_store, new_stored_calculation, prepare_calculation
from tests.calculations.factories import StoredCalculationFactory
from tests.factories import MunicipalityFactory, household_with_members

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL (pytest --postgres)")
TABLE = StoredCalculation._meta.db_table


def _column_type(column: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                           [TABLE, column])
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT type FROM pragma_table_info('{TABLE}') WHERE name = %s", [column])
        return cursor.fetchone()[0]


@postgres_only
def test_the_input_is_stored_as_json_text_on_postgresql_and_the_result_stays_jsonb():
    assert _column_type("input_data") == "json"
    assert _column_type("result") == "jsonb"


def test_on_sqlite_the_input_column_is_unchanged():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert _column_type("input_data").lower() == "text"


def test_the_input_read_back_is_the_stored_dict_with_exact_decimals_and_keys_in_their_order():
    household = household_with_members(MunicipalityFactory(), adults=1)
    stored = StoredCalculationFactory(household=household, month="2025-03", rent=5000)
    # keys deliberately not in jsonb's order (shorter keys first), and an amount with öre
    document = {**stored.input_data, "zz_last_written_first": None}
    document = {"zz_last_written_first": None, **{k: v for k, v in document.items() if k != "zz_last_written_first"}}
    document["costs"] = [{"type": "rent", "amount": Decimal("5000.05"), "note": "Hyra ”okt” \\ åäö\n"}]
    copy = StoredCalculation.objects.get(pk=stored.pk)
    copy.pk, copy._state.adding, copy.input_data, copy.input_hash = None, True, document, "x" * 64
    copy.save()
    again = StoredCalculation.objects.get(pk=copy.pk)
    assert again.input_data == document
    assert list(again.input_data) == list(document)
    assert again.input_data["costs"][0]["amount"] == Decimal("5000.05")
    assert isinstance(again.input_data["costs"][0]["amount"], Decimal)
    values = StoredCalculation.objects.filter(pk=copy.pk).values_list("input_data", flat=True).get()
    assert values == document and list(values) == list(document)


@postgres_only
def test_postgresql_keeps_the_input_text_exactly_as_written():
    household = household_with_members(MunicipalityFactory(), adults=1)
    stored = StoredCalculationFactory(household=household, month="2025-03", rent=5000)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT input_data::text FROM {TABLE} WHERE id = %s", [stored.pk])
        text = cursor.fetchone()[0]
    # as Django's encoder wrote it (insertion order), not jsonb's normalised form
    assert text == json.dumps(stored.input_data, cls=DecimalJSONEncoder)


def test_the_database_still_refuses_an_update_of_the_input_after_the_type_change():
    household = household_with_members(MunicipalityFactory(), adults=1)
    stored = StoredCalculationFactory(household=household, month="2025-03", rent=5000)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET input_data = %s WHERE id = %s", ['{"month": "2025-04"}', stored.pk])
    assert StoredCalculation.objects.get(pk=stored.pk).input_data["month"] == "2025-03"
    assert StoredCalculation.objects.get(pk=stored.pk).month == dt.date(2025, 3, 1)


def test_bulk_stored_inputs_read_back_as_they_were_prepared():
    # bulk_store inserts many rows in one statement (on PostgreSQL with arrays of each column's type)
    household = household_with_members(MunicipalityFactory(), adults=1)
    base = StoredCalculationFactory(household=household, month="2025-03", rent=5000).input_data
    prepared = []
    for month, cost in (("2025-04", Decimal("412.35")), ("2025-05", Decimal("5000"))):
        document = {**base, "month": month, "costs": [{"type": "rent", "amount": cost, "note": "åäö \\ ”"}]}
        prepared.append((month, prepare_calculation(document)))
    rows = bulk_store([new_stored_calculation(household=household, month=dt.date.fromisoformat(f"{m}-01"), prepared=p)
                       for m, p in prepared])
    assert len(rows) == 2
    for month, p in prepared:
        stored = StoredCalculation.objects.get(household=household, month=f"{month}-01")
        assert stored.input_data == p.input_data and list(stored.input_data) == list(p.input_data)
        assert stored.input_data["costs"][0]["amount"] == p.input_data["costs"][0]["amount"]
