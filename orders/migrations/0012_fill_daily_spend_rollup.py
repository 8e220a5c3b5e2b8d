"""Fill the daily spend roll-up from the orders already there (set-based, as `spend_rollup_rebuild` does)."""

from django.db import migrations


def fill(apps, schema_editor):
    from orders.rollup import spend_rollup_rebuild

    spend_rollup_rebuild(registry=apps)


class Migration(migrations.Migration):
    dependencies = [("orders", "0011_unique_constraints_include_business")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
