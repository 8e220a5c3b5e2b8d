"""Reads for the budgets pages: a fixed number of queries whatever the number of rows."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from procurement.inputs import ID_MAX
from procurement.models import Group, GroupMembership, Member
from procurement.money import CENT, MONEY, ZERO as ZERO_AMOUNT
from procurement.tenancy import member_group_ids

from .models import Allocation, Budget, LedgerEntry

Role = GroupMembership.Role
ZERO = Value(ZERO_AMOUNT, output_field=DecimalField(**MONEY))


def budgets_of_group(*, group: Group) -> QuerySet[Budget]:
    """The group's budgets, active first, with the total allocated on each."""
    allocated = (
        Allocation.objects.filter(budget=OuterRef("pk")).order_by().values("budget")
        .annotate(total=Sum("amount")).values("total")
    )
    return (
        Budget.objects.filter(business_id=group.business_id, group=group)
        .annotate(allocated=Coalesce(Subquery(allocated), ZERO))
        .order_by("status", "-start_date", "name", "id")
    )


def budgets_visible_to(*, member: Member) -> QuerySet[Budget]:
    """Every budget the member may see, with their own allocation (`my_allocated`, `my_spent`).

    Business admins see all; group admins their groups' budgets; buyers the budgets they may spend
    from (an allocation of theirs, or unallocated spend allowed in a group where they buy).
    """
    mine = Allocation.objects.filter(budget=OuterRef("pk"), member=member)
    qs = Budget.objects.filter(business_id=member.business_id).select_related("group").annotate(
        my_allocated=Subquery(mine.values("amount")[:1]),
        my_spent=Subquery(mine.values("spent")[:1]),
    )
    if not member.is_business_admin:
        admin_groups = member_group_ids(member, Role.GROUP_ADMIN)
        buyer_groups = member_group_ids(member, Role.BUYER)
        qs = qs.filter(
            Q(group_id__in=admin_groups)
            | Q(group_id__in=buyer_groups, allocations__member=member)
            | Q(group_id__in=buyer_groups, allow_unallocated_spend=True)
        ).distinct()
    return qs.order_by("status", "group__name", "-start_date", "name", "id")


def budgets_low_on_funds(*, member: Member) -> QuerySet[Budget]:
    """Active budgets the member sees whose remaining balance is at or under their low-funds alert."""
    return budgets_visible_to(member=member).filter(
        status=Budget.Status.ACTIVE, low_funds_alert__isnull=False, amount__lte=F("spent") + F("low_funds_alert"),
    )


def budget_allocations(*, budget: Budget) -> list[Allocation]:
    return list(
        Allocation.objects.filter(budget=budget).select_related("member__user")
        .order_by("member__user__first_name", "member__user__last_name", "member__user__email", "id")
    )


def allocation_candidates(*, budget: Budget, buyers_only: bool) -> QuerySet[Member]:
    """Active members of the budget's group who have no allocation on it yet (buyers only, or any role)."""
    memberships = GroupMembership.objects.filter(group_id=budget.group_id)
    if buyers_only:
        memberships = memberships.filter(role=GroupMembership.Role.BUYER)
    return (
        Member.objects.filter(business_id=budget.business_id, is_active=True, pk__in=memberships.values("member_id"))
        .exclude(pk__in=Allocation.objects.filter(budget=budget).values("member_id"))
        .select_related("user")
    )


def allocation_candidates_for_rows(*, budget: Budget, rows, buyers_only: bool) -> list[Member]:
    """`allocation_candidates` not yet in the Allocations table `rows` ((member id, amount) pairs), by name."""
    in_rows = {member_id for member_id, _ in rows}
    candidates = allocation_candidates(budget=budget, buyers_only=buyers_only).order_by(
        "user__first_name", "user__last_name", "user__email"
    )
    return [m for m in candidates if m.pk not in in_rows]


def allocation_member_ids_allowed(*, budget: Budget) -> set[int]:
    """Members an Allocations row may name: those with an allocation here, and active members of the group."""
    saved = {a.member_id for a in budget_allocations(budget=budget)}
    in_group = set(
        GroupMembership.objects.filter(group_id=budget.group_id, member__is_active=True).values_list("member_id", flat=True)
    )
    return saved | in_group


def allocation_rows_posted(*, budget: Budget, posted) -> list[tuple[int, object]]:
    """(member id, raw amount) per posted row (`posted`: (raw member id, raw amount) pairs).

    Unknown or repeated members are dropped and saved allocations missing from the post are put back,
    so the table always shows them.
    """
    allowed = allocation_member_ids_allowed(budget=budget)
    rows, seen = [], set()
    for raw_id, raw_amount in posted:
        try:
            member_id = int(raw_id)
        except (TypeError, ValueError):
            continue
        if member_id in allowed and member_id not in seen:
            seen.add(member_id)
            rows.append((member_id, raw_amount))
    for allocation in budget_allocations(budget=budget):
        if allocation.member_id not in seen:
            rows.append((allocation.member_id, allocation.amount))
    return rows


def members_by_id(*, business_id: int, ids) -> dict[int, Member]:
    """The business's members among `ids` (anything that is not a number is ignored), by id."""
    clean = [int(i) for i in ids if str(i).isascii() and str(i).isdigit() and 0 < int(i) <= ID_MAX]
    return Member.objects.filter(business_id=business_id, pk__in=clean).select_related("user").in_bulk()


def budget_ledger(*, budget: Budget) -> QuerySet[LedgerEntry]:
    """The budget's ledger, newest first, with only the columns the budget page prints."""
    return (
        LedgerEntry.objects.filter(budget=budget)
        .select_related("member__user", "order", "created_by")
        .only("id", "created_at", "kind", "amount", "over_limit", "note", "member__user__first_name",
              "member__user__last_name", "member__user__email", "order__po_number", "created_by__first_name",
              "created_by__last_name", "created_by__email")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class Change:
    """One recorded change: who, when, what, and old → new values."""

    when: object
    who: str
    subject: str
    kind: str
    changes: list[tuple[str, object, object]]


def _shown(model, field_name: str, value):
    """A stored value as the forms name it ("Warn and allow", not "warn")."""
    choices = dict(model._meta.get_field(field_name).flatchoices or ())
    return choices.get(value, value)


def _changes(model, rows) -> list[Change]:
    """Pairs each history row with the previous one of the same object (rows newest first)."""
    result = []
    previous_of: dict[int, object] = {}
    for row in reversed(rows):  # oldest first, so the previous row is known
        before = previous_of.get(row.id)
        previous_of[row.id] = row
        if before is None:
            diffs = []
        else:
            delta = row.diff_against(before)
            diffs = [
                (model._meta.get_field(c.field).verbose_name, _shown(model, c.field, c.old), _shown(model, c.field, c.new))
                for c in delta.changes
                if c.field not in ("low_funds_alert_sent_at", "runout_alert_sent_at")
            ]
        result.append((row, diffs))
    return result


def budget_history(*, budget: Budget, limit: int = 50) -> list[Change]:
    """The budget's and its allocations' change history, newest first (the last `limit` rows of each)."""
    # The history models' plain managers: `Budget.history` builds a new manager class on every access.
    budget_rows = list(
        Budget.history.model.objects.filter(id=budget.pk).select_related("history_user").order_by("-history_date", "-history_id")[:limit]
    )
    allocation_rows = list(
        Allocation.history.model.objects.filter(budget_id=budget.pk)
        .select_related("history_user", "member__user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    changes = []
    for row, diffs in _changes(Budget, budget_rows):
        if row.history_type == "+":
            what = "Set up"
        elif diffs:
            what = "Changed"
        else:
            continue
        changes.append(Change(row.history_date, _who(row), "Budget", what, diffs))
    for row, diffs in _changes(Allocation, allocation_rows):
        subject = f"Allocation · {row.member.name}"
        if row.history_type == "+":
            changes.append(Change(row.history_date, _who(row), subject, "Added", [("allocated", None, row.amount)]))
        elif diffs:
            changes.append(Change(row.history_date, _who(row), subject, "Changed", diffs))
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes


def _who(row) -> str:
    user = row.history_user
    if user is None:
        return "System"
    return user.get_full_name() or user.email


def budget_spent_from_ledger(*, budget: Budget) -> Decimal:
    """Spent as the ledger says it (charges minus releases): what the cached `Budget.spent` must equal."""
    totals = dict(
        LedgerEntry.objects.filter(budget=budget).order_by().values_list("kind").annotate(total=Sum("amount"))
    )
    spent = totals.get(LedgerEntry.Kind.CHARGE, Decimal("0")) - totals.get(LedgerEntry.Kind.RELEASE, Decimal("0"))
    return spent.quantize(CENT)


@dataclass(frozen=True)
class PeriodRow:
    """One period of a recurring Blanket PO on the budget page."""

    budget: Budget | None
    index: int
    start: object
    end: object
    po_number: str
    amount: Decimal | None
    spent: Decimal | None
    rolled_in: Decimal
    rolled_out: Decimal
    lapsed: Decimal | None
    state: str  # "past", "current" or "next"


def budget_series_periods(*, budget: Budget) -> list[PeriodRow]:
    """The budget's series: past periods (spent, rolled, lapsed), the current one and the next one.

    One query for the periods with their transfer totals; the next period is a preview (not opened yet).
    """
    from .periods import period_bounds  # noqa: PLC0415 - pure helpers
    from .recurring import period_po_number  # noqa: PLC0415

    if budget.series_id is None:
        return []
    series = budget.series

    def transfers(kind):
        return Coalesce(
            Subquery(
                LedgerEntry.objects.filter(budget=OuterRef("pk"), kind=kind).order_by().values("budget")
                .annotate(t=Sum("amount")).values("t")
            ),
            ZERO,
        )

    periods = list(
        Budget.objects.filter(series_id=budget.series_id, business_id=budget.business_id)
        .annotate(rolled_in=transfers(LedgerEntry.Kind.TRANSFER_IN), rolled_out=transfers(LedgerEntry.Kind.TRANSFER_OUT))
        .order_by("period_index")
    )
    rows = []
    for p in periods:
        closed = p.status == Budget.Status.CLOSED
        rows.append(PeriodRow(
            budget=p, index=p.period_index, start=p.start_date, end=p.end_date, po_number=p.po_number,
            amount=p.amount, spent=p.spent, rolled_in=p.rolled_in, rolled_out=p.rolled_out,
            lapsed=max(Decimal("0.00"), p.amount - p.spent - p.rolled_out) if closed else None,
            state="past" if closed else "current",
        ))
    if periods and series.ended_at is None:
        index = periods[-1].period_index + 1
        start, end = period_bounds(anchor=series.anchor_date, repeats=series.repeats, index=index)
        if series.ends_on is None or start <= series.ends_on:
            rows.append(PeriodRow(
                budget=None, index=index, start=start, end=end,
                po_number=period_po_number(group=budget.group, start=start, repeats=series.repeats),
                amount=series.amount, spent=None, rolled_in=Decimal("0.00"), rolled_out=Decimal("0.00"),
                lapsed=None, state="next",
            ))
    return rows
