"""``bistand.bulkinsert.insert_many`` writes what ``bulk_create`` writes: the same SQL parameter for every
column of every model the monthly run inserts with it (on the database the tests run on: SQLite, and
PostgreSQL with ``--postgres``), the same rows read back, the primary keys set in order, and nothing
written when one of its statements fails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.db.models.sql import InsertQuery
from django.utils import timezone

from bistand import bulkinsert
from bistand.audit.models import AuditEvent
from bistand.bulkinsert import insert_many
from bistand.calculations.models import StoredCalculation
from bistand.casework import monthly
from bistand.casework.models import Referral
from bistand.decisions.models import Decision, DecisionLine
from bistand.payments.models import Payment
from bistand.registers.models import RegisterFact, RegisterFetch
from tests.decisions.factories import MONTH

pytestmark = pytest.mark.django_db

FROZEN = dt.datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=dt.UTC)


@pytest.fixture
def written(cases):
    """The rows of a monthly run of three standard cases (one with two adults and children)."""
    cases.add()
    cases.add(adults=2, incomes=(("wage", "applicant", 4000), ("wage", "partner", 2500)))
    cases.add()
    monthly.run_month(cases.municipality, MONTH)
    assert Payment.objects.count() == 3
    return cases


def _comparable(value):
    # PostgreSQL's JSON parameter is an adapter object (psycopg's Jsonb) made anew each time: compare what it holds.
    if hasattr(value, "obj") and type(value).__module__.startswith("psycopg"):
        return (type(value).__name__, value.obj)
    return (type(value), value)


def _django_parameters(obj: models.Model, fields) -> list:
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(connection=connection)
    return [compiler.prepare_value(field, compiler.pre_save_val(field, obj)) for field in fields]


def _copies(model, **filters):
    rows = list(model.objects.filter(**filters).order_by("pk"))
    assert rows, model
    for row in rows:
        row.pk = None
        row._state.adding = True
    return rows


def _referrals(written):
    calculation = StoredCalculation.objects.first()
    return [
        Referral(municipality_id=calculation.municipality_id, application=decision.application, run=None,
                 calculation=calculation if i % 2 else None,
                 reasons=[{"code": "amount_near_last_month", "label": "Beloppet är nära förra månadens", "detail": "å ä ö \"citat\""}],
                 codes="amount_near_last_month", referred_at=FROZEN)
        for i, decision in enumerate(Decision.objects.select_related("application"))
    ]


@pytest.mark.parametrize("model", [RegisterFetch, RegisterFact, StoredCalculation, Decision, DecisionLine, Payment,
                                   AuditEvent, Referral], ids=lambda m: m.__name__)
def test_every_column_gets_the_parameter_bulk_create_gives_it(written, model, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: FROZEN)  # auto_now(_add) fields: the same moment on both paths
    objects = _referrals(written) if model is Referral else _copies(model)
    fields = [f for f in model._meta.concrete_fields if f is not model._meta.pk]
    converters = [bulkinsert._converter(f, connection) for f in fields]
    for obj in objects:
        ours = [_comparable(convert(obj)) for convert in converters]
        django = [_comparable(value) for value in _django_parameters(obj, fields)]
        for field, mine, theirs in zip(fields, ours, django, strict=True):
            assert mine == theirs, f"{model.__name__}.{field.name}"


def test_values_of_other_types_are_converted_as_django_converts_them(written):
    fact = _copies(RegisterFact)[0]
    fact.amount_ore = "12345"  # a text in an integer column
    fact.person_id = str(fact.person_id)  # a text key
    fact.kind = 7  # a number in a text column
    fact.payload = {"belopp": 1250, "datum": "2026-03-01", "namn": "Åsa \"citat\" \\ ny\nrad", "lista": [1, None, True]}
    fields = [f for f in RegisterFact._meta.concrete_fields if f is not RegisterFact._meta.pk]
    ours = [_comparable(bulkinsert._converter(f, connection)(fact)) for f in fields]
    assert ours == [_comparable(v) for v in _django_parameters(fact, fields)]
    amount = ours[[f.name for f in fields].index("amount_ore")]
    assert issubclass(amount[0], int) and amount[1] == 12345


def test_the_rows_read_back_are_those_bulk_create_writes(written):
    for model in (AuditEvent, RegisterFact):
        columns = [f.attname for f in model._meta.concrete_fields if f is not model._meta.pk]
        for_django, for_us = _copies(model), _copies(model)
        theirs = model.objects.bulk_create(for_django)
        ours = insert_many(for_us)
        assert all(o.pk and not o._state.adding and o._state.db == "default" for o in ours)
        read = lambda rows, model=model, columns=columns: list(model.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk").values_list(*columns))  # noqa: E731
        assert read(ours) == read(theirs), model.__name__
        # the keys were given to the objects in their order
        for obj in ours:
            assert model.objects.filter(pk=obj.pk).values_list(*columns).get() == tuple(getattr(obj, c) for c in columns)


def test_many_statements_set_every_key_in_order(written, monkeypatch):
    fields = len([f for f in AuditEvent._meta.concrete_fields]) - 1
    monkeypatch.setattr(bulkinsert, "_max_params", lambda connection: 3 * fields)  # three rows per statement
    rows = _copies(AuditEvent)
    assert len(rows) > 7
    for i, row in enumerate(rows):
        row.object_id = f"copy-{i}"
    insert_many(rows)
    keys = [r.pk for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert [AuditEvent.objects.get(pk=k).object_id for k in keys] == [f"copy-{i}" for i in range(len(rows))]


def test_a_failing_statement_leaves_nothing_of_the_call_written(written, monkeypatch):
    fields = len([f for f in RegisterFetch._meta.concrete_fields]) - 1
    monkeypatch.setattr(bulkinsert, "_max_params", lambda connection: 2 * fields)  # two rows per statement
    before = RegisterFetch.objects.count()
    rows = _copies(RegisterFetch)
    for row in rows[:-1]:
        row.number += 10  # new fetch numbers: these rows could be written …
    # … but the last row repeats an existing fetch number: its statement breaks the unique constraint.
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            insert_many(rows)
    assert RegisterFetch.objects.count() == before


def test_what_it_cannot_do_it_refuses_with_a_reason(written):
    fact = _copies(RegisterFact)[0]
    fact.amount_ore = F("amount_ore") + 1
    with pytest.raises(TypeError, match="amount_ore is an expression; use bulk_create"):
        insert_many([fact])
    with pytest.raises(TypeError, match="all objects must be of one model"):
        insert_many([_copies(RegisterFact)[0], _copies(AuditEvent)[0]])
    first, second = _copies(AuditEvent)[:2]
    first.pk = 10_000
    with pytest.raises(ValueError, match="every object has its primary key or none has"):
        insert_many([first, second])
    assert insert_many([]) == []


def test_objects_with_their_own_keys_are_inserted_with_them(written):
    rows = _copies(AuditEvent)[:2]
    rows[0].pk, rows[1].pk = 900_001, 900_002
    insert_many(rows)
    assert set(AuditEvent.objects.filter(pk__gte=900_001).values_list("pk", flat=True)) == {900_001, 900_002}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's (run with --postgres)")
def test_on_postgresql_the_rows_go_in_with_copy_and_get_their_keys_in_order(written):
    """On PostgreSQL psycopg's COPY writes the rows (measured about three times as fast as an INSERT of many
    rows, docs/performance.md); the keys are taken from the table's sequence first, so the objects get them
    as after bulk_create."""
    from django.test.utils import CaptureQueriesContext

    rows = _copies(AuditEvent)
    last = AuditEvent.objects.order_by("pk").last().pk
    with CaptureQueriesContext(connection) as queries:
        insert_many(rows)
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    keys = [r.pk for r in rows]
    assert keys == sorted(keys) and keys[0] > last and len(set(keys)) == len(keys)
    for obj in rows:
        assert AuditEvent.objects.get(pk=obj.pk).object_id == obj.object_id
    # the sequence has moved on: the next row made the ordinary way gets a new key
    assert AuditEvent.objects.create(user_display_name="x", action="create", model="m", object_id="1").pk > keys[-1]
