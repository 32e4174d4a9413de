"""Indexes for the read paths at years of history, and statistics the planner needs on PostgreSQL.

The manage link token stays unique through a constraint: unique=True also built a pattern-matching
index on PostgreSQL that no query uses.

Every appointment of a professional belongs to that professional's business, which PostgreSQL
does not know: it estimates "business and professional" as if independent, far too low, and
sorts a professional's whole history instead of reading its newest rows from
appointment_prof_start_idx. Functional-dependency statistics tell it.
"""

import django.db.models.deletion
from django.db import migrations, models

import scheduling.models

STATISTICS = "appointment_owner_professional_stats"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (dependencies) "
        "ON business_id, professional_id FROM scheduling_appointment"
    )
    schema_editor.execute("ANALYZE scheduling_appointment")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_business_profile'),
        ('catalog', '0002_business_is_the_tenant'),
        ('crm', '0003_read_path_indexes'),
        ('scheduling', '0005_activity_undone'),
    ]

    operations = [
        migrations.AlterField(
            model_name='appointment',
            name='client',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='crm.client', verbose_name='client'),
        ),
        migrations.AlterField(
            model_name='appointment',
            name='manage_token',
            field=models.CharField(default=scheduling.models.new_manage_token, editable=False, max_length=64, verbose_name='manage link token'),
        ),
        migrations.AddIndex(
            model_name='appointment',
            index=models.Index(condition=models.Q(('status', 'cancelled'), _negated=True), fields=['professional', 'blocks_until'], name='appointment_prof_until_idx'),
        ),
        migrations.AddIndex(
            model_name='appointment',
            index=models.Index(fields=['client', 'start_time'], name='appointment_client_start_idx'),
        ),
        migrations.AddConstraint(
            model_name='appointment',
            constraint=models.UniqueConstraint(fields=('manage_token',), name='appointment_manage_token_unique'),
        ),
        migrations.RunPython(create_statistics, drop_statistics),
    ]
