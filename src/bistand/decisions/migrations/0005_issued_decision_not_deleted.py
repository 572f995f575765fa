"""The database refuses to delete an issued decision or a line of one (decisions 0002 refuses to change
them). Lifted only by bistand.audit.guards.guards_lifted() (the demo reset, ``flush``)."""

from django.db import migrations

from bistand.audit.guards import ISSUED_DELETE_MESSAGE as MESSAGE
from bistand.audit.guards import OVERRIDE_TABLE, run_sql_for_vendor

DECISION = "decisions_decision"
LINE = "decisions_decisionline"

SQLITE_CREATE = [
    f"""
CREATE TRIGGER decision_issued_no_delete
BEFORE DELETE ON {DECISION}
WHEN OLD.status = 'issued' AND NOT EXISTS (SELECT 1 FROM {OVERRIDE_TABLE})
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
""",
    f"""
CREATE TRIGGER decisionline_issued_no_delete
BEFORE DELETE ON {LINE}
WHEN (SELECT status FROM {DECISION} WHERE id = OLD.decision_id) = 'issued'
  AND NOT EXISTS (SELECT 1 FROM {OVERRIDE_TABLE})
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS decision_issued_no_delete",
    "DROP TRIGGER IF EXISTS decisionline_issued_no_delete",
]

POSTGRES_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION decision_refuse_issued_delete() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM {OVERRIDE_TABLE}) THEN
        RETURN OLD;
    END IF;
    IF TG_TABLE_NAME = '{DECISION}' THEN
        IF OLD.status = 'issued' THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM {DECISION} WHERE id = OLD.decision_id AND status = 'issued') THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql
""",
    f"""
CREATE TRIGGER decision_issued_no_delete
BEFORE DELETE ON {DECISION}
FOR EACH ROW EXECUTE FUNCTION decision_refuse_issued_delete()
""",
    f"""
CREATE TRIGGER decisionline_issued_no_delete
BEFORE DELETE ON {LINE}
FOR EACH ROW EXECUTE FUNCTION decision_refuse_issued_delete()
""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS decisionline_issued_no_delete ON {LINE}",
    f"DROP TRIGGER IF EXISTS decision_issued_no_delete ON {DECISION}",
    "DROP FUNCTION IF EXISTS decision_refuse_issued_delete()",
]


class Migration(migrations.Migration):
    dependencies = [("decisions", "0004_delegation_payment_daily_limit"), ("audit", "0002_append_only")]

    operations = [
        migrations.RunPython(
            run_sql_for_vendor({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            run_sql_for_vendor({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            elidable=False,
        ),
    ]
