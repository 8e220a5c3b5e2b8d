"""Blanket PO release numbers move to procurement.numbering: one Counter row (kind=release, scope=budget id) per budget."""

from django.db import migrations


def copy_release_counts(apps, schema_editor):
    Budget = apps.get_model("budgets", "Budget")
    Counter = apps.get_model("procurement", "Counter")
    rows = [
        Counter(business_id=business_id, kind="release", scope=pk, last_value=count)
        for pk, business_id, count in Budget.objects.filter(release_count__gt=0).values_list("pk", "business_id", "release_count").iterator()
    ]
    existing = set(Counter.objects.filter(kind="release").values_list("scope", flat=True))
    Counter.objects.bulk_create([row for row in rows if row.scope not in existing], batch_size=1000)
    for row in rows:
        if row.scope in existing:
            Counter.objects.filter(kind="release", scope=row.scope, last_value__lt=row.last_value).update(last_value=row.last_value)


def copy_back(apps, schema_editor):
    Budget = apps.get_model("budgets", "Budget")
    Counter = apps.get_model("procurement", "Counter")
    for scope, last_value in Counter.objects.filter(kind="release").values_list("scope", "last_value").iterator():
        Budget.objects.filter(pk=scope).update(release_count=last_value)
    Counter.objects.filter(kind="release").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("budgets", "0002_initial"),
        ("procurement", "0002_counter_scope_and_kinds"),
    ]

    operations = [
        migrations.RunPython(copy_release_counts, copy_back),
    ]
