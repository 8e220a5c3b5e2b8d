"""Demo order information fields for Acme: a "GL code" choice list (a realistic chart of expense
accounts by department, several hundred codes) and a free-text "Project code"; a share of the seeded
orders carry values, so the order pages, documents and the orders report show them.

Idempotent: fields and choices are looked up by name and value; orders that already have values are
left alone. Both fields are optional, so every other seeder and demo path checks out unchanged.
"""

from __future__ import annotations

import itertools

from django.db import transaction

from orders.information.services import order_field_choices_add, order_field_create
from orders.models import Order, OrderField, OrderFieldChoice, OrderFieldValue
from procurement.models import Business

GL_FIELD = "GL code"
PROJECT_FIELD = "Project code"
#: Natural accounts of a typical chart of accounts (the expense side buyers order against).
ACCOUNTS = [
    ("6000", "Salaries and wages"), ("6050", "Contract labour"), ("6100", "Office supplies"),
    ("6110", "Printing and stationery"), ("6120", "Postage and courier"), ("6150", "Computer hardware under threshold"),
    ("6160", "Software subscriptions"), ("6170", "IT consumables"), ("6200", "Rent"), ("6210", "Utilities"),
    ("6220", "Cleaning and janitorial"), ("6230", "Repairs and maintenance"), ("6240", "Facilities supplies"),
    ("6300", "Travel: airfare"), ("6310", "Travel: lodging"), ("6320", "Travel: meals"), ("6330", "Ground transport"),
    ("6400", "Marketing materials"), ("6410", "Trade shows and events"), ("6420", "Promotional items"),
    ("6500", "Professional fees"), ("6510", "Legal fees"), ("6520", "Audit and accounting"), ("6600", "Training"),
    ("6610", "Books and subscriptions"), ("6620", "Memberships and dues"), ("6700", "Telephone and internet"),
    ("6710", "Mobile devices"), ("6800", "Safety equipment"), ("6810", "Uniforms and PPE"), ("6820", "First aid"),
    ("6900", "Kitchen and breakroom"), ("6910", "Employee recognition"), ("7000", "Lab supplies"),
    ("7010", "Lab equipment under threshold"), ("7100", "Shipping materials"), ("7110", "Warehouse supplies"),
    ("7200", "Furniture under threshold"), ("7300", "Tools and small equipment"), ("7400", "Vehicle expenses"),
    ("1500", "Capital equipment (asset)"), ("1510", "Computer equipment (asset)"), ("1520", "Furniture and fixtures (asset)"),
]
DEPARTMENTS = [
    ("100", "Executive"), ("200", "Finance"), ("300", "Human resources"), ("400", "IT"), ("500", "Marketing"),
    ("600", "Sales"), ("700", "Operations"), ("800", "Research and development"), ("900", "Facilities"),
    ("950", "Customer support"),
]
ORDERS_WITH_VALUES = 0.6  # share of seeded orders that carry a GL code


def gl_codes() -> list[tuple[str, str]]:
    """430 codes such as ("6100-500", "Office supplies · Marketing")."""
    return [(f"{a}-{d}", f"{name} · {dept}") for (a, name), (d, dept) in itertools.product(ACCOUNTS, DEPARTMENTS)]


def _out(stdout, text):
    if stdout is not None:
        stdout.write(text)


@transaction.atomic
def seed_order_fields(*, business: Business, stdout=None) -> dict:
    made = {"fields": 0, "choices": 0, "orders": 0}
    gl = OrderField.objects.filter(business=business, name=GL_FIELD).first()
    if gl is None:
        gl = order_field_create(
            business=business, name=GL_FIELD, type=OrderField.Type.CHOICE, position=10, acting_user=None,
            help_text="The general ledger account to book this order to (account-department).",
        )
        made["fields"] += 1
    if not OrderFieldChoice.objects.filter(business=business, field=gl).exists():
        text = "\n".join(f"{code},{label}" for code, label in gl_codes())
        made["choices"] = order_field_choices_add(field=gl, text=text, acting_user=None).added
    project = OrderField.objects.filter(business=business, name=PROJECT_FIELD).first()
    if project is None:
        project = order_field_create(
            business=business, name=PROJECT_FIELD, type=OrderField.Type.TEXT, position=20, acting_user=None,
            help_text="Your project's code, e.g. PRJ-2026-014, if the order is for a project.",
        )
        made["fields"] += 1
    # Values on a share of the seeded orders (each order picks its codes from its id: stable reruns).
    orders = list(
        Order.objects.filter(business=business).exclude(field_values__isnull=False).order_by("id").values_list("id", flat=True)[:5000]
    )
    codes = gl_codes()
    values = []
    for order_id in orders:
        if (order_id * 7) % 10 >= ORDERS_WITH_VALUES * 10:
            continue
        code, label = codes[(order_id * 37) % len(codes)]
        values.append(OrderFieldValue(business=business, order_id=order_id, field=gl, name=gl.name, value=code, label=label, position=gl.position))
        if order_id % 3 == 0:
            values.append(OrderFieldValue(business=business, order_id=order_id, field=project, name=project.name,
                                          value=f"PRJ-2026-{order_id % 40 + 1:03d}", position=project.position))
    OrderFieldValue.objects.bulk_create(values, batch_size=1000)
    made["orders"] = len({v.order_id for v in values})
    if any(made.values()):
        _out(stdout, f"Order information: {made['fields']} fields, {made['choices']} GL codes, values on {made['orders']} orders")
    return made
