"""The database refuses to change a stored calculation (a trigger that aborts every UPDATE).

SQLite and PostgreSQL each get their own trigger; other databases rely on the application's guards
(StoredCalculation.save() and StoredCalculationQuerySet.update()). Deleting is not blocked: the
foreign keys protect calculations from being removed with their household, and only the demo data
loader deletes them. Both triggers report SQLSTATE class 23 (integrity constraint violation), so
Django raises IntegrityError on either database.
"""

from django.db import migrations

from bistand.audit.guards import run_sql_for_vendor

TABLE = "calculations_storedcalculation"
MESSAGE = "En sparad beräkning kan inte ändras (stored calculations are immutable)"

SQLITE_CREATE = [
    f"""
CREATE TRIGGER storedcalculation_no_update
BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
"""
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS storedcalculation_no_update"]

POSTGRES_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION storedcalculation_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
""",
    f"""
CREATE TRIGGER storedcalculation_no_update
BEFORE UPDATE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION storedcalculation_refuse_update()
""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS storedcalculation_no_update ON {TABLE}",
    "DROP FUNCTION IF EXISTS storedcalculation_refuse_update()",
]


class Migration(migrations.Migration):
    dependencies = [("calculations", "0001_initial")]

    operations = [
        migrations.RunPython(
            run_sql_for_vendor({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            run_sql_for_vendor({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            elidable=False,
        ),
    ]
