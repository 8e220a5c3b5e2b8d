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


def seed_recurring_budget(*, business: Business, stdout=None, today: datetime.date | None = None) -> Budget | None:
    """A monthly recurring Blanket PO for the first group with buyers, with two closed past periods.

    Idempotent: a business that already has a series is left alone. The past spending is written as
    ledger charges dated in those periods (like the orders seeder writes its charges); the periods are
    then closed and their rollover posted by the real job (`budget_series_advance`), through the ledger.
    """
    from django.utils import timezone

    from .models import BudgetSeries, LedgerEntry
    from .periods import add_months
    from .recurring import budget_series_advance, budget_series_create

    today = today or timezone.localdate()
    if BudgetSeries.objects.filter(business=business).exists():
        return None
    membership = (
        GroupMembership.objects.filter(group__business=business, role=GroupMembership.Role.BUYER, member__is_active=True)
        .select_related("group__business", "member").order_by("group__name", "member_id").first()
    )
    if membership is None:
        return None
    group, buyer = membership.group, membership.member
    anchor = add_months(today.replace(day=1), -2)
    first = budget_series_create(
        group=group, acting_user=None, today=anchor, name=f"{group.name} monthly", amount=Decimal("4000.00"),
        start_date=anchor, end_date=anchor, po_number="", policy=Budget.Policy.WARN, low_funds_alert=None,
        note_to_buyers="Monthly team budget; unspent money rolls over, up to half a month's amount.",
        show_balance_to_buyers=True, allow_unallocated_spend=True, runout_alert_days=7,
        repeats=BudgetSeries.Repeats.MONTHLY, ends_on=None, rollover=BudgetSeries.Rollover.CAPPED,
        rollover_cap_amount=None, rollover_cap_percent=Decimal("50"), allocations_mode=BudgetSeries.AllocationsMode.REPEAT,
    )

    def spend(budget: Budget, days: list[datetime.date], amount: Decimal) -> None:
        for day in days:
            entry = LedgerEntry.objects.create(business=business, budget=budget, member=buyer, kind=LedgerEntry.Kind.CHARGE,
                                               amount=amount, note="Demo spending")
            when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(11)))
            LedgerEntry.objects.filter(pk=entry.pk).update(created_at=when)
        Budget.objects.filter(pk=budget.pk).update(spent=budget.spent + amount * len(days))
        budget.refresh_from_db()

    spend(first, [first.start_date + datetime.timedelta(days=d) for d in range(0, 25, 2)], Decimal("190.00"))
    (second,) = budget_series_advance(series_id=first.series_id, today=first.end_date + datetime.timedelta(days=1))
    spend(second, [second.start_date + datetime.timedelta(days=d) for d in range(0, 26, 2)], Decimal("240.00"))
    budget_series_advance(series_id=first.series_id, today=second.end_date + datetime.timedelta(days=1))
    current = Budget.objects.get(series_id=first.series_id, status=Budget.Status.ACTIVE)
    days = [current.start_date + datetime.timedelta(days=d) for d in range(0, (today - current.start_date).days + 1, 2)]
    if days:
        spend(current, days, Decimal("260.00"))
    if stdout is not None:
        stdout.write(f"Budgets: recurring monthly Blanket PO {current.po_number} with two closed past periods for {business.name}.\n")
    return current
