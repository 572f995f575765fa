"""The stored calculation's input is kept as `json` on PostgreSQL (the text as written) instead of `jsonb`
(bistand.common.fields.TextJSONField): the what-if reads a million inputs as text, and turning `jsonb` into
text was most of the server's work. Nothing queries inside the input with jsonb operators.

On PostgreSQL one ALTER TABLE converts every existing row (`jsonb::json`, jsonb's own text) in the migration's
transaction; the row trigger that refuses UPDATE is not fired by a change of the column's type and stays.
On SQLite the column is text either way: only Django's state changes (no table rebuild, which would drop and
recreate the table and its immutability trigger).
"""

from django.db import migrations

import bistand.calculations.inputs
import bistand.common.fields
from bistand.audit.guards import run_sql_for_vendor

TABLE = "calculations_storedcalculation"


class Migration(migrations.Migration):
    dependencies = [("calculations", "0004_storedcalculation_latest_per_month_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="storedcalculation",
                    name="input_data",
                    field=bistand.common.fields.TextJSONField(
                        decoder=bistand.calculations.inputs.DecimalJSONDecoder,
                        encoder=bistand.calculations.inputs.DecimalJSONEncoder,
                        help_text="Indata enligt calculation.schema.json.",
                        verbose_name="indata",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(
                    run_sql_for_vendor({"postgresql": [
                        f"ALTER TABLE {TABLE} ALTER COLUMN input_data TYPE json USING input_data::json"]}),
                    run_sql_for_vendor({"postgresql": [
                        f"ALTER TABLE {TABLE} ALTER COLUMN input_data TYPE jsonb USING input_data::jsonb"]}),
                    elidable=False,
                ),
            ],
        ),
    ]
