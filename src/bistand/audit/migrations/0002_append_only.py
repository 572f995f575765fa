"""Access-log rows and audit events are append-only in the database, not only in the ORM.

Creates ``bistand_guard_override`` (bistand.audit.guards: the one way to lift the guards, used by the
demo reset and ``flush``) and triggers that refuse UPDATE and DELETE of ``audit_accesslog`` and
``audit_auditevent`` while it is empty. SQLite and PostgreSQL each get their own triggers (like
decisions 0002); both report SQLSTATE class 23, so Django raises IntegrityError.
"""

from django.db import migrations

from bistand.audit.guards import APPEND_ONLY_MESSAGE as MESSAGE
from bistand.audit.guards import OVERRIDE_TABLE, run_sql_for_vendor

TABLES = ["audit_accesslog", "audit_auditevent"]

SQLITE_CREATE = [f"CREATE TABLE IF NOT EXISTS {OVERRIDE_TABLE} (reason varchar(200) NOT NULL)"] + [
    f"""
CREATE TRIGGER {table}_append_only_{op.lower()}
BEFORE {op} ON {table}
WHEN NOT EXISTS (SELECT 1 FROM {OVERRIDE_TABLE})
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
"""
    for table in TABLES
    for op in ("UPDATE", "DELETE")
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_append_only_{op.lower()}" for table in TABLES for op in ("UPDATE", "DELETE")
] + [f"DROP TABLE IF EXISTS {OVERRIDE_TABLE}"]

POSTGRES_CREATE = [
    f"CREATE TABLE IF NOT EXISTS {OVERRIDE_TABLE} (reason varchar(200) NOT NULL)",
    f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM {OVERRIDE_TABLE}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",
] + [
    f"""
CREATE TRIGGER {table}_append_only
BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()
"""
    for table in TABLES
]
POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
    f"DROP TABLE IF EXISTS {OVERRIDE_TABLE}",
]


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            run_sql_for_vendor({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            run_sql_for_vendor({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            elidable=False,
        ),
    ]
