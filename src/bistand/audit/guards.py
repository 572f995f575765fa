"""The database guards on records that must not change (triggers in migrations), and the one way to
lift them.

Triggers on SQLite and PostgreSQL refuse, whatever the client:

* UPDATE or DELETE of an access-log row or an audit event (audit 0002): append-only;
* DELETE of an issued decision or of a line of one (decisions 0005);
* DELETE of a payment or a payment event (payments 0007);
* a payment above its decision's amount, or negative (payments 0004 on SQLite, 0006 on PostgreSQL, where
  it is checked at commit).

Every trigger lets the change through only while the table ``bistand_guard_override`` has a row. That
table is not a model: ``guards_lifted()`` inserts the row inside the caller's transaction and removes it
before the transaction ends, so no other connection ever sees it. Only code that removes whole data sets
uses it: gallring (``bistand gallra``, bistand.retention), the demo reset (``bistand demo --reset``) and
``flush`` (which empties the whole database).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections, transaction

OVERRIDE_TABLE = "bistand_guard_override"
#: Both databases report the refusal as SQLSTATE class 23, so Django raises IntegrityError.
APPEND_ONLY_MESSAGE = "Loggen kan bara läggas till, inte ändras eller tas bort (append-only)"
ISSUED_DELETE_MESSAGE = "Ett fattat beslut och dess rader kan inte tas bort (issued decisions are immutable)"
PAYMENT_AMOUNT_MESSAGE = "En utbetalning får inte vara större än beslutets belopp (payment amount above its decision)"


@contextmanager
def guards_lifted(reason: str, using: str = "default"):
    """Let the guarded rows be removed inside this block (one transaction). `reason` is for the reader."""
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute(f"INSERT INTO {OVERRIDE_TABLE} (reason) VALUES (%s)", [reason[:200]])
        try:
            yield
        finally:
            with connections[using].cursor() as cursor:
                cursor.execute(f"DELETE FROM {OVERRIDE_TABLE}")


def run_sql_for_vendor(sql_by_vendor: dict[str, list[str]]):
    """For the trigger migrations' ``RunPython``: run the statements listed for the database in use
    (``"sqlite"``, ``"postgresql"``); other databases get none and rely on the application's guards."""

    def run(apps, schema_editor):
        for statement in sql_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run
