"""What the load generator needs: logins with known passwords, a checkout group with 8 buyers on one
Blanket PO, and the ids and numbers the scenarios request (a sample, picked once)."""

from __future__ import annotations

import datetime
import random
import secrets
from decimal import Decimal

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import transaction
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone

from budgets.models import Budget
from budgets.services import budget_create
from orders.models import Invoice, Order, Product
from procurement.models import Address, Business, Group, GroupMembership, Member, User

BENCH_PASSWORD = "bench-password-not-for-production"  # nosec B105  # the benchmark's own logins, set by the benchmark
ADMIN_EMAIL = "alice@acme.example"
BUYERS = 8
PAGE_SIZE = 25  # Your Orders page size (orders.tracking.views.PAGE_SIZE)


def _password_hash(password: str) -> str:
    # Encoded directly (not make_password): the test process has a fast test-only hasher, the server
    # under load has Django's defaults, and both must accept it.
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt())


def _login(email: str, *, first: str, last: str) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"first_name": first, "last_name": last})
    user.password = _password_hash(BENCH_PASSWORD)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user


@transaction.atomic
def checkout_setup(*, business: Business, run_id: str, budget_orders: int) -> dict:
    """A "Bench checkout" group with 8 buyers and a fresh block-policy Blanket PO they all spend from."""
    admin = Member.objects.get(business=business, user__email=ADMIN_EMAIL)
    address = Address.objects.filter(business=business, is_active=True).order_by("pk").first()
    group, _ = Group.objects.get_or_create(
        business=business, name="Bench checkout",
        defaults={"cost_center": "BENCH", "location": "Load lab", "shipping_address": address},
    )
    emails = []
    for i in range(1, BUYERS + 1):
        email = f"bench-buyer-{i}@acme.example"
        user = _login(email, first="Bench", last=f"Buyer {i}")
        member, _ = Member.objects.get_or_create(user=user, defaults={"business": business})
        GroupMembership.objects.get_or_create(business=business, group=group, member=member, role=GroupMembership.Role.BUYER)
        emails.append(email)
    # Earlier runs' Blanket POs close, so that checkout offers exactly this run's one.
    Budget.objects.filter(group=group, status=Budget.Status.ACTIVE).update(status=Budget.Status.CLOSED, closed_at=timezone.now())
    today = timezone.localdate()
    product = Product.objects.filter(active=True).order_by("unit_price", "pk").first()
    budget_amount = (product.unit_price * budget_orders).quantize(Decimal("0.01"))
    budget = budget_create(
        group=group, acting_user=admin.user, name=f"Bench run {run_id}", po_number=f"BENCH-{run_id}",
        amount=budget_amount, start_date=today - datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=365),
        policy=Budget.Policy.BLOCK, allow_unallocated_spend=True, show_balance_to_buyers=True,
    )
    return {
        "buyers": emails, "group_id": group.pk, "budget_id": budget.pk, "budget_po": budget.po_number,
        "address_id": group.shipping_address_id or address.pk, "product_id": product.pk,
        "unit_price": str(product.unit_price),
    }


def scenario_data(*, business: Business, sample: int = 200, seed: int = 10) -> dict:
    """PO numbers, invoice numbers and pages the read scenarios pick from, chosen once at random."""
    rng = random.Random(seed)  # nosec B311  # a reproducible sample, not security
    _login(ADMIN_EMAIL, first="Alice", last="Admin")
    bounds = Order.objects.filter(business=business).aggregate(lo=Min("pk"), hi=Max("pk"))
    po_numbers: list[str] = []
    if bounds["lo"] is not None:
        picks = sorted({rng.randint(bounds["lo"], bounds["hi"]) for _ in range(sample)})
        po_numbers = list(Order.objects.filter(business=business, pk__in=picks).values_list("po_number", flat=True))
        if not po_numbers:
            po_numbers = list(Order.objects.filter(business=business).values_list("po_number", flat=True)[:sample])
    invoices = list(
        Invoice.objects.filter(business=business).order_by("?").values_list("number", flat=True)[:sample]
    ) if Invoice.objects.filter(business=business).exists() else []
    orders = Order.objects.filter(business=business).count()
    pages = max(1, -(-orders // PAGE_SIZE))
    budget = (Budget.objects.filter(business=business).exclude(group__name="Bench checkout")
              .order_by("-spent", "pk").first())
    today = timezone.localdate()
    start = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    return {
        "po_numbers": po_numbers or ["NONE"], "invoice_numbers": invoices or ["NONE"],
        "orders": orders, "deep_page": max(1, min(pages, 400 if pages >= 400 else pages)),
        "pages": pages,
        "budget_url": reverse("budgets:budget_detail", kwargs={"group_id": budget.group_id, "budget_id": budget.pk})
        if budget else reverse("budgets:budget_overview"),
        "analytics_query": f"start={start.isoformat()}&end={today.isoformat()}",
        "statement_refs": _statement_refs(business=business, rng=rng),
    }


def _statement_refs(*, business: Business, rng: random.Random, n: int = 2000) -> list[list[str]]:
    """(reference, amount) pairs for the statement file: invoice numbers with their totals."""
    rows = [[number, str(total)] for number, total in Invoice.objects.filter(business=business).values_list("number", "total")[:n]]
    rows += [[po, str(total)] for po, total in Order.objects.filter(business=business).values_list("po_number", "total")[:n]]
    rng.shuffle(rows)
    return rows


def run_id() -> str:
    return timezone.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(2).upper()
