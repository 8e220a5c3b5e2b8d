"""Demo Blanket POs: one per group for the current year, with allocations for the group's buyers."""

import datetime
from decimal import Decimal

from simple_history.utils import bulk_create_with_history

from procurement.models import Business, GroupMembership
from procurement.money import CENT

from .models import Allocation, Budget
from .services import allocation_distribute_evenly

POLICIES = [Budget.Policy.BLOCK, Budget.Policy.WARN, Budget.Policy.APPROVAL]


def seed_budgets(*, business: Business, stdout=None, today: datetime.date | None = None) -> list[Budget]:
    """Idempotent: a group that already has this year's demo Blanket PO is left as it is."""
    year = (today or datetime.date.today()).year
    groups = list(business.groups.order_by("name", "id"))
    existing = set(Budget.objects.filter(business=business).values_list("po_number", flat=True))
    buyers: dict[int, list[int]] = {}
    for group_id, member_id in (
        GroupMembership.objects.filter(group__in=groups, role=GroupMembership.Role.BUYER, member__is_active=True)
        .order_by("member_id").values_list("group_id", "member_id")
    ):
        buyers.setdefault(group_id, []).append(member_id)

    budgets = []
    for index, group in enumerate(groups):
        po_number = f"BPO-{year}-{group.pk:04}"
        if po_number in existing:
            continue
        budgets.append(Budget(
            business=business, group=group, name=f"{group.name} {year}", po_number=po_number,
            amount=Decimal("25000.00") + Decimal("5000.00") * (index % 3), currency=business.currency,
            start_date=datetime.date(year, 1, 1), end_date=datetime.date(year, 12, 31),
            policy=POLICIES[index % len(POLICIES)], low_funds_alert=Decimal("2500.00"),
            note_to_buyers=f"Use for {group.name} supplies; quote the blanket PO on every order.",
        ))
    if budgets:
        bulk_create_with_history(budgets, Budget)
    created = list(Budget.objects.filter(business=business, po_number__in=[b.po_number for b in budgets]))

    allocations = []
    for budget in created:
        members = buyers.get(budget.group_id, [])
        if not members:
            continue
        # Hand out 80% of the budget, keeping a reserve for the admin.
        shares = allocation_distribute_evenly(total=(budget.amount * Decimal("0.8")).quantize(CENT), count=len(members))
        allocations += [
            Allocation(business=business, budget=budget, member_id=member_id, amount=share)
            for member_id, share in zip(members, shares)
        ]
    if allocations:
        bulk_create_with_history(allocations, Allocation)
    if stdout is not None:
        stdout.write(f"Budgets: {len(created)} Blanket PO(s), {len(allocations)} allocation(s) added for {business.name}.\n")
    return created
