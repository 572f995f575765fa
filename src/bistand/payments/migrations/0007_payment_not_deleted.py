"""The database refuses to delete a payment or a payment event (a payment is part of the record of what
was paid). Lifted only by bistand.audit.guards.guards_lifted(): gallring (``bistand gallra``), the demo
reset and ``flush``."""

from django.db import migrations

from bistand.audit.guards import OVERRIDE_TABLE, run_sql_for_vendor

MESSAGE = "En utbetalning och dess händelser kan inte tas bort (payments are immutable records)"
TABLES = ["payments_payment", "payments_paymentevent"]

SQLITE_CREATE = [
    f"""
CREATE TRIGGER {table}_no_delete
BEFORE DELETE ON {table}
WHEN NOT EXISTS (SELECT 1 FROM {OVERRIDE_TABLE})
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
"""
    for table in TABLES
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {table}_no_delete" for table in TABLES]

POSTGRES_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION payment_refuse_delete() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM {OVERRIDE_TABLE}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql
""",
] + [
    f"""
CREATE TRIGGER {table}_no_delete
BEFORE DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION payment_refuse_delete()
"""
    for table in TABLES
]
POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS payment_refuse_delete()",
]


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_payment_amount_guard_on_postgresql"), ("audit", "0002_append_only")]

    operations = [
        migrations.RunPython(
            run_sql_for_vendor({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            run_sql_for_vendor({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            elidable=False,
        ),
    ]
