"""The payment-amount guard of payments 0004 ("a payment never pays more than its decision, nor a negative
amount") on PostgreSQL too. A constraint trigger checked at commit (like Django's deferred foreign keys),
so a bulk load that writes a payment before its decision in one transaction is checked once both are
there. SQLite has had its triggers since 0004."""

from django.db import migrations

from bistand.audit.guards import PAYMENT_AMOUNT_MESSAGE as MESSAGE
from bistand.audit.guards import run_sql_for_vendor

PAYMENT = "payments_payment"
DECISION = "decisions_decision"

POSTGRES_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION payment_refuse_other_amount() RETURNS trigger AS $$
BEGIN
    IF NEW.amount_ore < 0
       OR NEW.amount_ore > (SELECT amount_ore FROM {DECISION} WHERE id = NEW.decision_id) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",
    f"DROP TRIGGER IF EXISTS payment_amount_is_decisions ON {PAYMENT}",
    f"""
CREATE CONSTRAINT TRIGGER payment_amount_is_decisions
AFTER INSERT OR UPDATE ON {PAYMENT}
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION payment_refuse_other_amount()
""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS payment_amount_is_decisions ON {PAYMENT}",
    "DROP FUNCTION IF EXISTS payment_refuse_other_amount()",
]


class Migration(migrations.Migration):
    dependencies = [("payments", "0005_overpaymentclaim")]

    operations = [
        migrations.RunPython(run_sql_for_vendor({"postgresql": POSTGRES_CREATE}),
                             run_sql_for_vendor({"postgresql": POSTGRES_DROP}), elidable=False),
    ]
