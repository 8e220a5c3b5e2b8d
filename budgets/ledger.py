"""The drawdown ledger: the only way money moves on a Blanket PO.

`budget_charge` locks the budget row, then the member's allocation row (always in that order, so two
charges never deadlock), re-checks dates, status and funds under the lock, applies the budget's policy,
and appends a ledger entry while updating the cached totals with F() expressions, all in one
transaction. The CHECK constraint on Budget is the backstop if a code path ever forgot the lock.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from procurement.errors import ApplicationError
from procurement.models import GroupMembership, Member
from procurement.money import CENT, ZERO
from procurement.notifications.models import Kind
from procurement.notifications.services import notify
from procurement.tenancy import member_group_ids
from procurement.webhooks import Event, webhook_emit

from .models import Allocation, Budget, LedgerEntry


class BudgetError(ApplicationError):
    """A charge that cannot go through; `str()` is a message fit for the user."""


class BudgetUnavailable(BudgetError):
    pass


class InsufficientFunds(BudgetError):
    def __init__(self, message: str, *, available: Decimal):
        super().__init__(message)
        self.available = available


class ApprovalRequired(BudgetError):
    def __init__(self, message: str, *, available: Decimal):
        super().__init__(message)
        self.available = available


@dataclass(frozen=True)
class SpendLimit:
    """What a member may still spend from a budget, and from which allocation."""

    allocation: Allocation | None
    available: Decimal


def budget_lock(*, budget_id: int, business_id: int) -> Budget:
    """The budget row, locked for the rest of the transaction (always the first row locked)."""
    return Budget.objects.select_for_update().get(pk=budget_id, business_id=business_id)


def spend_limit(*, budget: Budget, member: Member, lock: bool = False) -> SpendLimit:
    """How much `member` may charge now: their allocation's remainder, or the unallocated remainder."""
    allocations = Allocation.objects.filter(budget=budget)
    if lock:
        allocations = allocations.select_for_update()
    allocation = allocations.filter(member=member).first()
    budget_left = budget.amount - budget.spent
    if allocation is not None:
        return SpendLimit(allocation, max(ZERO, min(allocation.amount - allocation.spent, budget_left)).quantize(CENT))
    if not budget.allow_unallocated_spend:
        return SpendLimit(None, ZERO)
    totals = Allocation.objects.filter(budget=budget).aggregate(allocated=Sum("amount"), spent=Sum("spent"))
    allocated = totals["allocated"] or Decimal("0")
    allocated_spent = totals["spent"] or Decimal("0")
    unallocated_spent = budget.spent - allocated_spent
    unallocated_left = budget.amount - allocated - unallocated_spent
    return SpendLimit(None, max(ZERO, min(unallocated_left, budget_left)).quantize(CENT))


def member_may_spend(*, budget: Budget, member: Member) -> bool:
    """Whether the budget is offered to the member at all.

    The member must be active, of the budget's business, and a buyer in its group (business admins
    hold every role); then they need an allocation, or the budget must allow unallocated spend.
    """
    if not member.is_active or member.business_id != budget.business_id:
        return False
    if not member.is_business_admin:
        if getattr(member, "_group_roles", None) is not None:  # the request's roles, read once (procurement.tenancy)
            in_group = budget.group_id in member_group_ids(member, GroupMembership.Role.BUYER)
        else:
            in_group = GroupMembership.objects.filter(
                group_id=budget.group_id, member=member, role=GroupMembership.Role.BUYER
            ).exists()
        if not in_group:
            return False
    if budget.allow_unallocated_spend:
        return True
    return Allocation.objects.filter(budget=budget, member=member).exists()


def budget_check_open(*, budget: Budget, member: Member) -> None:
    """Raise BudgetUnavailable unless `member` may draw on `budget` today (active, in its dates, theirs).

    budget_charge runs it under the row lock; checkout runs it too for orders that wait for approval
    and so are not charged yet.
    """
    today = timezone.localdate()
    if budget.status != Budget.Status.ACTIVE:
        raise BudgetUnavailable(f"The budget {budget.po_number} is closed.")
    if not (budget.start_date <= today <= budget.end_date):
        raise BudgetUnavailable(
            f"The budget {budget.po_number} runs from {budget.start_date:%b %d, %Y} to {budget.end_date:%b %d, %Y}."
        )
    if not member_may_spend(budget=budget, member=member):
        raise BudgetUnavailable(f"You may not spend from the budget {budget.po_number}.")


@transaction.atomic
def budget_charge(
    *,
    budget: Budget,
    member: Member,
    amount: Decimal,
    acting_user,
    order=None,
    approved: bool = False,
    note: str = "",
    already_locked: bool = False,
) -> LedgerEntry:
    """Charge `amount` to `budget` for `member`.

    Raises BudgetUnavailable (closed, out of its dates, not the member's), InsufficientFunds (block
    policy, or past the budget total even with approval) or ApprovalRequired (approval policy, not yet
    approved). Writes nothing when it raises. With the warn policy an over-limit charge is written
    with `over_limit=True`. `already_locked=True`: `budget` is the row the caller locked with `budget_lock` in
    this transaction and checked with `budget_check_open` (checkout), so neither is repeated.
    """
    amount = _cents(amount, "charge")
    if member.business_id != budget.business_id or (order is not None and order.business_id != budget.business_id):
        raise BudgetUnavailable("You may not spend from this budget.")
    if already_locked:
        locked = budget
    else:
        locked = budget_lock(budget_id=budget.pk, business_id=budget.business_id)
        budget_check_open(budget=locked, member=member)

    limit = spend_limit(budget=locked, member=member, lock=True)
    over_limit = amount > limit.available
    budget_left = locked.amount - locked.spent
    if over_limit:
        if locked.policy == Budget.Policy.BLOCK:
            raise InsufficientFunds(
                f"Insufficient funds: {limit.available} {locked.currency} remaining on {locked.po_number}, "
                f"the order needs {amount}.",
                available=limit.available,
            )
        if locked.policy == Budget.Policy.APPROVAL:
            if not approved:
                raise ApprovalRequired(
                    f"This order exceeds the {limit.available} {locked.currency} available on "
                    f"{locked.po_number} and needs approval.",
                    available=limit.available,
                )
            if amount > budget_left:
                raise InsufficientFunds(
                    f"Insufficient funds: only {max(budget_left, Decimal('0.00'))} {locked.currency} is left on "
                    f"{locked.po_number}.",
                    available=max(budget_left, ZERO),
                )

    Budget.objects.filter(pk=locked.pk).update(spent=F("spent") + amount)
    if limit.allocation is not None:
        Allocation.objects.filter(pk=limit.allocation.pk).update(spent=F("spent") + amount)
    entry = LedgerEntry.objects.create(
        business_id=locked.business_id,
        budget=locked,
        allocation=limit.allocation,
        member=member,
        order=order,
        kind=LedgerEntry.Kind.CHARGE,
        amount=amount,
        over_limit=over_limit,
        note=note,
        created_by=acting_user,
    )
    locked.spent += amount
    _low_funds_alert(locked)
    _runout_alert(locked)
    budget.spent = locked.spent
    return entry


@transaction.atomic
def budget_release(*, charge: LedgerEntry, amount: Decimal | None = None, acting_user, note: str = "") -> LedgerEntry:
    """Give back (part of) a charge, e.g. when an order or its unshipped lines are cancelled.

    Works on closed budgets too (a cancelled order still gives its money back). Never releases more
    than what is left of the charge; the budget row lock serialises releases of the same charge.
    """
    if charge.kind != LedgerEntry.Kind.CHARGE:
        raise BudgetError("Only a charge can be released.")
    locked = budget_lock(budget_id=charge.budget_id, business_id=charge.business_id)
    amount = _cents(charge.amount if amount is None else amount, "release")
    released = charge.releases.aggregate(total=Sum("amount"))["total"] or ZERO
    outstanding = charge.amount - released
    if amount > outstanding:
        raise BudgetError(
            f"Cannot release {amount}: only {outstanding} of that charge is still on {locked.po_number}."
        )
    if charge.allocation_id is not None:
        Allocation.objects.filter(pk=charge.allocation_id).update(spent=F("spent") - amount)
    Budget.objects.filter(pk=locked.pk).update(spent=F("spent") - amount)
    return LedgerEntry.objects.create(
        business_id=locked.business_id,
        budget=locked,
        allocation_id=charge.allocation_id,
        member_id=charge.member_id,
        order_id=charge.order_id,
        charge=charge,
        kind=LedgerEntry.Kind.RELEASE,
        amount=amount,
        note=note,
        created_by=acting_user,
    )


def budget_transferable(*, budget: Budget) -> Decimal:
    """What is left on `budget` to roll over: amount - spent - what earlier transfers already took out."""
    out = (
        LedgerEntry.objects.filter(budget=budget, kind=LedgerEntry.Kind.TRANSFER_OUT).aggregate(t=Sum("amount"))["t"]
        or Decimal("0.00")
    )
    return max(Decimal("0.00"), budget.amount - budget.spent - out).quantize(CENT)


@transaction.atomic
def budget_transfer(
    *, source: Budget, target: Budget, amount: Decimal, acting_user, note: str = ""
) -> tuple[LedgerEntry, LedgerEntry]:
    """Move `amount` of what is left on `source` to `target` (a period's rollover into the next).

    Locks both budget rows in id order. Writes a transfer-out entry on `source` and a transfer-in entry
    on `target` naming each other, and raises `target.amount` (recorded in its history). `source.spent`
    is untouched: money rolled over was never spent; what is left on `source` afterwards has lapsed.
    """
    amount = _cents(amount, "transfer")
    if source.pk == target.pk or source.business_id != target.business_id:
        raise BudgetError("A transfer moves money between two budgets of one business.")
    first, second = sorted([source.pk, target.pk])
    locked = {pk: budget_lock(budget_id=pk, business_id=source.business_id) for pk in (first, second)}
    src, dst = locked[source.pk], locked[target.pk]
    available = budget_transferable(budget=src)
    if amount > available:
        raise InsufficientFunds(
            f"Cannot transfer {amount}: only {available} {src.currency} is left on {src.po_number}.", available=available
        )
    out = LedgerEntry.objects.create(
        business_id=src.business_id, budget=src, kind=LedgerEntry.Kind.TRANSFER_OUT, amount=amount,
        note=note or f"Rolled over to {dst.po_number}", created_by=acting_user,
    )
    entry_in = LedgerEntry.objects.create(
        business_id=dst.business_id, budget=dst, kind=LedgerEntry.Kind.TRANSFER_IN, amount=amount, counterpart=out,
        note=note or f"Rolled over from {src.po_number}", created_by=acting_user,
    )
    dst.amount += amount
    dst._history_user = acting_user
    dst._change_reason = f"Rollover of {amount} from {src.po_number}"
    dst.save(update_fields=["amount"])
    target.amount = dst.amount
    return out, entry_in


def _cents(amount, what: str) -> Decimal:
    """A positive amount in whole cents, or BudgetError (never rounded silently)."""
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise BudgetError(f"The amount to {what} must be positive.")
    if amount != amount.quantize(CENT):
        raise BudgetError(f"The amount to {what} must be in whole cents.")
    return amount.quantize(CENT)


def _alert_members(budget: Budget) -> list[Member]:
    """Who hears about a budget: the group's admins and the business admins (active), in id order."""
    return list(
        Member.objects.filter(business_id=budget.business_id, is_active=True)
        .filter(
            Q(is_business_admin=True)
            | Q(memberships__group_id=budget.group_id, memberships__role=GroupMembership.Role.GROUP_ADMIN)
        )
        .select_related("user", "business").distinct().order_by("id")
    )


def _alert_recipients(budget: Budget) -> list[str]:
    return sorted({member.email for member in _alert_members(budget)})


def _runout_alert(budget: Budget) -> None:
    """One email when, at the current rate, the money runs out more than N days before the period ends."""
    if budget.runout_alert_days is None or budget.runout_alert_sent_at is not None:
        return
    from .forecast import budget_forecasts  # noqa: PLC0415 - reads the ledger just written

    forecast = budget_forecasts(budgets=[budget])[budget.pk]
    if forecast.days_early is None or forecast.days_early <= budget.runout_alert_days:
        return
    Budget.objects.filter(pk=budget.pk).update(runout_alert_sent_at=timezone.now())
    budget.runout_alert_sent_at = timezone.now()
    recipients = _alert_recipients(budget)
    if not recipients:
        return
    subject = f"{budget.name} ({budget.po_number}) will run out on {forecast.runout:%d %b %Y}"
    body = (
        f"At the current spending rate of {forecast.rate} {budget.currency} a day, the Blanket PO {budget.po_number} "
        f"({budget.name}) runs out on {forecast.runout:%d %b %Y}, {forecast.days_early} days before the period ends "
        f"on {budget.end_date:%d %b %Y}. {budget.amount - budget.spent} {budget.currency} remains of {budget.amount}."
    )
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))


def _low_funds_alert(budget: Budget) -> None:
    """Tell the group's admins (and business admins) once, when the remaining balance first drops to the alert amount."""
    if budget.low_funds_alert is None or budget.low_funds_alert_sent_at is not None:
        return
    remaining = budget.amount - budget.spent
    if remaining > budget.low_funds_alert:
        return
    Budget.objects.filter(pk=budget.pk).update(low_funds_alert_sent_at=timezone.now())
    budget.low_funds_alert_sent_at = timezone.now()
    webhook_emit(business=budget.business_id, event=Event.BUDGET_LOW, payload={
        "budget_id": budget.pk, "po_number": budget.po_number, "name": budget.name, "amount": str(budget.amount),
        "spent": str(budget.spent), "remaining": str(remaining), "alert_at": str(budget.low_funds_alert),
        "currency": budget.currency,
    })
    notify(
        business=budget.business_id, kind=Kind.BUDGET_LOW, recipients=_alert_members(budget),
        subject=f"Low funds on {budget.name} ({budget.po_number})", template="budget_low",
        context={"budget": budget, "po_number": budget.po_number, "remaining": remaining},
        url=reverse("budgets:budget_detail", kwargs={"group_id": budget.group_id, "budget_id": budget.pk}),
    )
