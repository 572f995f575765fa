"""Fast INSERT of many new rows: ``insert_many`` does what ``Model.objects.bulk_create(objs)`` does for plain
new rows, with less Python per value.

The monthly run writes about 20 rows per application (register fetches and facts, stored calculations,
decisions and their lines, payments, referrals and an audit event for each), and Django's
``bulk_create`` spends most of its time on the way from an attribute to an SQL parameter: for every value
it walks ``pre_save`` → ``get_db_prep_save`` → ``get_db_prep_value`` → ``get_prep_value`` and builds a
placeholder expression, and on SQLite it cuts the rows into statements of at most 999 parameters. Here the
conversion is chosen once per field:

- integers, texts, booleans and ``None`` in integer, text, boolean and foreign-key columns go to the
  database as they are (exactly what Django's conversion gives for them; on PostgreSQL an integer gets its
  column's type, as Django gives it);
- every other value (dates, times, JSON, decimals, UUIDs, a text in an integer column, …) goes through the
  field's own ``get_db_prep_save``, as in Django;
- fields whose ``pre_save`` does something (``auto_now``, ``auto_now_add``, custom fields) are asked for
  their value with ``pre_save(obj, add=True)``, as in Django.

How the rows go in, measured alone and alternating against ``bulk_create`` (``benchmarks/monthly_run.py
--inserts``, figures in ``benchmarks/results/`` and docs/performance.md):

- SQLite: ``INSERT INTO … VALUES (…), (…), … RETURNING pk`` with as many rows as SQLite's limit on
  parameters allows (Django's ``bulk_create`` cuts at 999): about twice as fast as ``bulk_create``.
- PostgreSQL: psycopg's ``COPY … FROM STDIN`` (``cursor.copy()``) with the same parameters; the new keys
  are first taken from the table's sequence in one query (``nextval`` over ``generate_series``), so the
  objects get their keys in order as after ``bulk_create``. About three times as fast as an INSERT of many
  rows, which ``bulk_create`` and this module's INSERT measured about alike.

The new primary keys are set on the objects, which are then marked as saved — the same as after
``bulk_create``. Database errors (a unique constraint, a check constraint, a trigger that refuses — COPY
fires the same row triggers as INSERT) are Django's ``IntegrityError`` / ``DatabaseError`` as with
``bulk_create``. Several statements run in one transaction.

Only for what ``bulk_create`` itself would do: no ``save()`` and no signals (``bulk_create`` sends none
either), no multi-table inheritance, no conflict handling, no expressions as values (use ``bulk_create``
for those; a value with ``resolve_expression`` is refused). ``tests/casework/test_bulkinsert.py`` proves that the
rows are the same as ``bulk_create``'s, column by column, for every model that uses it, on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, models, router, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.fields import AutoFieldMixin

M = TypeVar("M", bound=models.Model)

# Fields whose values of the listed Python types reach the database unchanged through Django's conversion.
_PASS_THROUGH: tuple[tuple[type[models.Field], tuple[type, ...]], ...] = (
    (models.BooleanField, (bool,)),
    (models.IntegerField, (int,)),  # also BigIntegerField, SmallIntegerField, Positive…
    (models.CharField, (str,)),
    (models.TextField, (str,)),
)

_SQLITE_MAX_PARAMS = 32_766


def _plain_pre_save(field: models.Field) -> bool:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    return type(field).pre_save is models.Field.pre_save


def _pass_types(field: models.Field, connection) -> tuple[type, ...]:
    """The Python types whose values go to the database as they are, for this field (empty: none)."""
    if isinstance(field, models.ForeignKey):
        if type(field).get_db_prep_save is not models.ForeignKey.get_db_prep_save:
            return ()
        target = field.target_field
        return _pass_types(target, connection) if target is not field else ()
    own = type(field)
    if isinstance(field, AutoFieldMixin) and isinstance(field, models.IntegerField):
        # An AutoField's conversion is IntegerField's plus the backend's check of the key, which SQLite's and
        # PostgreSQL's operations leave as it is.
        unchanged = type(connection.ops).validate_autopk_value is BaseDatabaseOperations.validate_autopk_value
        return (int,) if unchanged and own.get_prep_value is models.IntegerField.get_prep_value else ()
    for field_type, python_types in _PASS_THROUGH:
        if isinstance(field, field_type):
            # A subclass that changes the conversion is not passed through.
            for method in ("get_prep_value", "get_db_prep_value", "get_db_prep_save"):
                if getattr(own, method) is not getattr(field_type, method):
                    return ()
            return python_types
    return ()


def _converter(field: models.Field, connection) -> Callable[[models.Model], Any]:
    attname = field.attname
    pass_types = _pass_types(field, connection)
    plain = _plain_pre_save(field)
    prep = field.get_db_prep_save
    null = field.null

    def slow(obj: models.Model) -> Any:
        value = getattr(obj, attname) if plain else field.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"insert_many: {field.model.__name__}.{field.name} is an expression; use bulk_create")
        return prep(value, connection)

    if not plain or not pass_types:
        return slow
    if pass_types == (str,):
        # A text (or a TextChoices member) is what CharField's conversion gives back unchanged.
        def fast_text(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            if isinstance(value, str) or (value is None and null):
                return value
            return slow(obj)

        return fast_text
    (kind,) = pass_types  # int or bool: exactly that type (Django turns True into 1 in an integer column)
    adapts = (kind is int and isinstance(field, models.IntegerField) and not isinstance(field, AutoFieldMixin)
              and type(connection.ops).adapt_integerfield_value is not BaseDatabaseOperations.adapt_integerfield_value)
    if adapts:
        # PostgreSQL with psycopg 3: Django gives integers their column's type (psycopg's Int2/Int4/Int8).
        adapt = connection.ops.adapt_integerfield_value
        internal_type = field.get_internal_type()

        def fast_integer(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            if type(value) is int:
                return adapt(value, internal_type)
            if value is None and null:
                return None
            return slow(obj)

        return fast_integer

    def fast(obj: models.Model) -> Any:
        value = getattr(obj, attname)
        if type(value) is kind or (value is None and null):
            return value
        return slow(obj)

    return fast


def _max_params(connection) -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return max(1, min(limit, _SQLITE_MAX_PARAMS))
    return connection.features.max_query_params or 999


def insert_many(objs: Sequence[M], *, using: str | None = None) -> list[M]:
    """INSERT the new objects ``objs`` (all of one model) and set their primary keys; see the module
    docstring. Returns the objects, like ``bulk_create``."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    opts = model._meta
    if any(type(obj) is not model for obj in objs):
        raise TypeError("insert_many: all objects must be of one model")
    if opts.parents:
        raise TypeError(f"insert_many: {model.__name__} uses multi-table inheritance; use bulk_create")
    db = using or router.db_for_write(model)
    connection = connections[db]
    pk = opts.pk
    with_pk = [obj.pk is not None for obj in objs]
    if any(with_pk) and not all(with_pk):
        raise ValueError("insert_many: either every object has its primary key or none has")
    fields = [f for f in opts.concrete_fields if not getattr(f, "generated", False)]
    if not all(with_pk):
        fields = [f for f in fields if f is not pk]
    if not fields:
        raise ValueError(f"insert_many: {model.__name__} has no column to insert")
    converters = [_converter(f, connection) for f in fields]
    if connection.vendor == "postgresql":
        _copy(objs, fields, converters, connection, db, with_keys=all(with_pk))
        for obj in objs:
            obj._state.adding = False
            obj._state.db = db
        return objs
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = not all(with_pk)
    per_statement = max(1, _max_params(connection) // len(fields))
    head = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES "
    tail = f" RETURNING {quote(pk.column)}" if returning else ""

    # The parameters of every statement first: a value that cannot be converted stops the call before it
    # writes anything.
    statements = []
    for start in range(0, len(objs), per_statement):
        batch = objs[start:start + per_statement]
        params: list[Any] = []
        extend = params.extend
        for obj in batch:
            extend([convert(obj) for convert in converters])
        statements.append((batch, head + ", ".join([row_sql] * len(batch)) + tail, params))
    with transaction.atomic(using=db, savepoint=False), connection.cursor() as cursor:
        for batch, sql, params in statements:
            cursor.execute(sql, params)
            if returning:
                keys = cursor.fetchall()
                if len(keys) != len(batch):  # pragma: no cover - a database that does not return every row
                    raise RuntimeError("insert_many: the database returned fewer keys than rows")
                for obj, (key,) in zip(batch, keys, strict=True):
                    setattr(obj, pk.attname, key)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = db
    return objs


def _copy(objs: list[M], fields: list[models.Field], converters: list, connection, db: str, *, with_keys: bool) -> None:
    """PostgreSQL: the rows with COPY (see the module docstring); new keys from the table's sequence first."""
    opts = type(objs[0])._meta
    pk = opts.pk
    quote = connection.ops.quote_name
    # The values first: a value that cannot be converted stops the call before it writes anything.
    rows = [[convert(obj) for convert in converters] for obj in objs]
    with transaction.atomic(using=db, savepoint=False), connection.cursor() as cursor:
        if not with_keys:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
                [quote(opts.db_table), pk.column, len(objs)],
            )
            keys = [key for (key,) in cursor.fetchall()]
            if len(keys) != len(objs) or None in keys:  # pragma: no cover - a key without a sequence
                raise TypeError(f"insert_many: {opts.label}'s key has no sequence; use bulk_create")
            for obj, key, row in zip(objs, keys, rows, strict=True):
                setattr(obj, pk.attname, key)
                row.insert(0, key)
            fields = [pk, *fields]
        columns = ", ".join(quote(f.column) for f in fields)
        with connection.wrap_database_errors, cursor.cursor.copy(
            f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
