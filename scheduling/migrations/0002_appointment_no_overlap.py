"""No double booking, enforced by PostgreSQL itself.

An exclusion constraint over (professional, [start_time, blocks_until)) for rows that are not
cancelled. It cannot exist on SQLite, so it lives here rather than in the model's Meta; on
SQLite the same guarantee comes from serialized (IMMEDIATE) write transactions.
"""

from django.db import migrations

CONSTRAINT = "appointment_no_overlap"


def add_exclusion_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE scheduling_appointment ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(professional_id WITH =, tstzrange(start_time, blocks_until, '[)') WITH &&) "
        "WHERE (status <> 'cancelled')"
    )


def drop_exclusion_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(add_exclusion_constraint, drop_exclusion_constraint)]
