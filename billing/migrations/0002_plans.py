"""The plans every installation starts with; staff edit them in the admin afterwards."""

from django.db import migrations

from billing.catalog import STARTING_PLANS



def create_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for fields in STARTING_PLANS:
        Plan.objects.update_or_create(code=fields["code"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(create_plans, migrations.RunPython.noop)]
