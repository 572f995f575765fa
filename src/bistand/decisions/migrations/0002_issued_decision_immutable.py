"""The database refuses to change an issued decision or its lines (triggers, like calculations 0002).

* ``decisions_decision``: an UPDATE of a row whose stored status is ``issued`` is refused (a draft
  may be changed, and becomes issued by one last UPDATE).
* ``decisions_decisionline``: an UPDATE of a line of an issued decision, an UPDATE that moves a line
  to an issued decision, and an INSERT of a line into an issued decision are refused.

SQLite and PostgreSQL each get their own triggers; other databases rely on the application's guards
(Decision.save(), DecisionQuerySet.update(), DecisionLine.save() and the services). Deleting is not
blocked here: foreign keys protect decisions (payments, omprövningar point at them), Decision.delete()
refuses an issued decision, and only the demo data loader removes decisions in bulk when it resets the
demo. Both databases report SQLSTATE class 23 (integrity constraint violation), so Django raises
IntegrityError on either.
"""

from django.db import migrations

from bistand.audit.guards import run_sql_for_vendor

DECISION = "decisions_decision"
LINE = "decisions_decisionline"
MESSAGE = "Ett fattat beslut kan inte ändras (issued decisions are immutable)"

SQLITE_CREATE = [
    f"""
CREATE TRIGGER decision_issued_no_update
BEFORE UPDATE ON {DECISION}
WHEN OLD.status = 'issued'
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
""",
    f"""
CREATE TRIGGER decisionline_issued_no_update
BEFORE UPDATE ON {LINE}
WHEN (SELECT status FROM {DECISION} WHERE id = OLD.decision_id) = 'issued'
  OR (SELECT status FROM {DECISION} WHERE id = NEW.decision_id) = 'issued'
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
""",
    f"""
CREATE TRIGGER decisionline_issued_no_insert
BEFORE INSERT ON {LINE}
WHEN (SELECT status FROM {DECISION} WHERE id = NEW.decision_id) = 'issued'
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS decision_issued_no_update",
    "DROP TRIGGER IF EXISTS decisionline_issued_no_update",
    "DROP TRIGGER IF EXISTS decisionline_issued_no_insert",
]

POSTGRES_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION decision_refuse_issued_update() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'issued' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",
    f"""
CREATE TRIGGER decision_issued_no_update
BEFORE UPDATE ON {DECISION}
FOR EACH ROW EXECUTE FUNCTION decision_refuse_issued_update()
""",
    f"""
CREATE OR REPLACE FUNCTION decisionline_refuse_issued_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM {DECISION} WHERE id = OLD.decision_id AND status = 'issued') THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM {DECISION} WHERE id = NEW.decision_id AND status = 'issued') THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",
    f"""
CREATE TRIGGER decisionline_issued_no_change
BEFORE INSERT OR UPDATE ON {LINE}
FOR EACH ROW EXECUTE FUNCTION decisionline_refuse_issued_change()
""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS decisionline_issued_no_change ON {LINE}",
    "DROP FUNCTION IF EXISTS decisionline_refuse_issued_change()",
    f"DROP TRIGGER IF EXISTS decision_issued_no_update ON {DECISION}",
    "DROP FUNCTION IF EXISTS decision_refuse_issued_update()",
]


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]

    operations = [
        migrations.RunPython(
            run_sql_for_vendor({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            run_sql_for_vendor({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            elidable=False,
        ),
    ]
