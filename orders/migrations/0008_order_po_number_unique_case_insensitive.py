# PO numbers become unique per business ignoring case (PO-1 and po-1 were both possible; look-ups ignore case).

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def po_numbers_clashing(Order) -> list[tuple[int, str, int]]:
    """(business id, lower-cased PO number, how many) for every clash the new constraint would refuse."""
    return list(
        Order.objects.annotate(key=Lower("po_number")).values("business_id", "key").annotate(n=Count("id"))
        .filter(n__gt=1).order_by("business_id", "key").values_list("business_id", "key", "n")
    )


def check_no_case_clashes(apps, schema_editor):
    """Refuse to migrate, naming the clashes, rather than rename PO numbers printed on documents."""
    clashes = po_numbers_clashing(apps.get_model("orders", "Order"))
    if clashes:
        listed = "; ".join(f"business {b}: {key!r} x{n}" for b, key, n in clashes[:20])
        raise RuntimeError(
            f"{len(clashes)} PO number(s) differ only in case within a business ({listed}). Renumber one order "
            "of each pair (Django admin) and run the migration again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0007_order_keyset_and_find_indexes'),
    ]

    operations = [
        migrations.RunPython(check_no_case_clashes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('po_number'), models.F('business'), name='order_po_number_unique_per_business_ci'),
        ),
        migrations.RemoveConstraint(
            model_name='order',
            name='order_po_number_unique_per_business',
        ),
    ]
