"""Writes on budgets and allocations. Money moves only through budgets.ledger; these set up the frame."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from procurement.errors import InvalidInput
from procurement.fields import fields_check
from procurement.history import history_save, model_update
from procurement.models import Business, Group, GroupMembership, Member
from procurement.money import CENT, ZERO

from .models import Allocation, Budget

AMOUNT_MAX = Decimal("1000000000.00")
PO_NUMBER_RE = re.compile(r"^[A-Za-z0-9._-]+$")

#: Budget fields an admin sets on the form (currency comes from the business, totals from the ledger).
EDITABLE_FIELDS = (
    "name", "po_number", "amount", "start_date", "end_date", "note_to_buyers", "policy",
    "low_funds_alert", "show_balance_to_buyers", "allow_unallocated_spend", "runout_alert_days",
)


def budget_po_number_suggest(*, business: Business, today: datetime.date | None = None) -> str:
    """A free blanket PO number, `BPO-<year>-<n>`, counting the business's budgets (a suggestion only)."""
    year = (today or timezone.localdate()).year
    taken = set(Budget.objects.filter(business=business).values_list("po_number", flat=True))
    n = len(taken) + 1
    while (candidate := f"BPO-{year}-{n:04}") in taken:
        n += 1
    return candidate


def _po_number_taken(*, business_id: int, po_number: str, exclude_pk: int | None = None) -> bool:
    qs = Budget.objects.filter(business_id=business_id, po_number__iexact=po_number)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _po_number_error(po_number: str) -> ValidationError:
    return ValidationError({"po_number": f"The blanket PO number {po_number} is already used in your business."})


@transaction.atomic
def budget_create(*, group: Group, acting_user, **fields) -> Budget:
    """A new Blanket PO for `group`, in the business's currency. Raises ValidationError on a taken PO number."""
    fields_check(fields, EDITABLE_FIELDS, service="budget_create")
    budget = Budget(
        business_id=group.business_id, group=group, currency=group.business.currency,
        created_by=acting_user, **fields,
    )
    if _po_number_taken(business_id=group.business_id, po_number=budget.po_number):
        raise _po_number_error(budget.po_number)
    try:
        with transaction.atomic():
            history_save(budget, acting_user=acting_user)
    except IntegrityError as exc:  # two admins saving the same number at once: the constraint decides
        raise _po_number_error(budget.po_number) from exc
    return budget


def budget_update_errors(*, budget: Budget, amount: Decimal, policy: str, allocated: Decimal) -> dict[str, str]:
    """Why the new amount/policy cannot stand, given what is spent and allocated (empty when fine)."""
    errors = {}
    if amount < budget.spent:
        errors["amount"] = f"The amount cannot be less than the {budget.spent:.2f} already spent."
    elif amount < allocated:
        errors["amount"] = f"The amount cannot be less than the {allocated:.2f} already allocated to members."
    elif policy == Budget.Policy.BLOCK and budget.spent > amount:
        errors["policy"] = "More than the amount is already spent; 'block' cannot apply."
    return errors


@transaction.atomic
def budget_update(*, budget: Budget, acting_user, **fields) -> Budget:
    """Change a budget's set-up. Re-checks amount against spent and allocated under the row lock."""
    fields_check(fields, EDITABLE_FIELDS, service="budget_update")
    locked = Budget.objects.select_for_update().get(pk=budget.pk, business_id=budget.business_id)
    allocated = Allocation.objects.filter(budget=locked).aggregate(total=Sum("amount"))["total"] or ZERO
    new_amount = fields.get("amount", locked.amount)
    errors = budget_update_errors(
        budget=locked, amount=new_amount, policy=fields.get("policy", locked.policy), allocated=allocated
    )
    po_number = fields.get("po_number", locked.po_number)
    if po_number != locked.po_number and _po_number_taken(
        business_id=locked.business_id, po_number=po_number, exclude_pk=locked.pk
    ):
        errors["po_number"] = _po_number_error(po_number).message_dict["po_number"][0]
    if errors:
        raise ValidationError(errors)
    model_update(instance=locked, fields=fields, acting_user=acting_user, save=False)  # saved below, guarded
    # A new amount or alert level above the balance re-arms the one low-funds email.
    if locked.low_funds_alert is None or locked.remaining > locked.low_funds_alert:
        locked.low_funds_alert_sent_at = None
    if "runout_alert_days" in fields:
        locked.runout_alert_sent_at = None
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:
        raise _po_number_error(po_number) from exc
    return locked


@transaction.atomic
def budget_close(*, budget: Budget, acting_user) -> Budget:
    """Close a budget: the ledger refuses new charges; allocations, ledger and history stay."""
    locked = Budget.objects.select_for_update().get(pk=budget.pk, business_id=budget.business_id)
    if locked.status == Budget.Status.CLOSED:
        raise ValidationError("The budget is already closed.")
    model_update(
        instance=locked, fields={"status": Budget.Status.CLOSED, "closed_at": timezone.now()},
        acting_user=acting_user, update_fields=True,
    )
    return locked


def allocation_distribute_evenly(*, total: Decimal, count: int) -> list[Decimal]:
    """`total` split into `count` amounts to the cent; leftover cents go one each to the first rows.

    The parts always add up to `total` exactly (100.00 over 3 is 33.34, 33.33, 33.33).
    """
    if count < 1:
        raise InvalidInput("There are no rows to distribute the funds over; add members first.")
    total = Decimal(total)
    if total < 0:
        raise InvalidInput("There is nothing to distribute: the amount is negative.")
    if total != total.quantize(CENT):
        raise InvalidInput("The amount to distribute must be in whole cents.")
    cents = int(total * 100)
    base, leftover = divmod(cents, count)
    return [Decimal(base + (1 if i < leftover else 0)).scaleb(-2) for i in range(count)]


def allocation_rows_distribute(
    *, budget_amount: Decimal, amounts: list[Decimal], whole_budget: bool
) -> tuple[list[Decimal], Decimal, int]:
    """The Allocations rows after "Distribute funds evenly" (nothing saved: the admin still presses Save).

    Over the whole budget every row gets a share; otherwise the unallocated rest is shared by the rows
    that have no amount yet. Returns (new amounts, amount distributed, rows that got a share); raises
    InvalidInput (a ValueError) with a message for the admin when there is nothing to distribute or nowhere to put it.
    """
    if whole_budget:
        targets, total = list(range(len(amounts))), budget_amount
    else:
        targets = [i for i, amount in enumerate(amounts) if amount == 0]
        total = budget_amount - sum(amounts, ZERO)
        if amounts and not targets:
            raise InvalidInput("Every row already has an amount: add members, or distribute the whole budget.")
        if total <= 0:
            raise InvalidInput("Nothing is left unallocated to distribute.")
    shares = allocation_distribute_evenly(total=total, count=len(targets))
    result = list(amounts)
    for index, share in zip(targets, shares):
        result[index] = share
    return result, total, len(targets)


def allocation_rows_amounts(rows) -> list[Decimal]:
    """The amount of each Allocations row (an empty amount is 0); InvalidInput when one is not a number."""
    amounts = []
    for _, raw in rows:
        try:
            amount = Decimal(str(raw).strip() or "0")
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise InvalidInput("Fix the amounts marked below first.") from None
        amounts.append(amount)
    return amounts


def allocation_row_add(*, rows: list, member_id, candidates: dict) -> Member:
    """Add an empty row for `member_id`, one of `candidates` ({id: Member}); InvalidInput otherwise."""
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        member_id = None
    if member_id not in candidates:
        raise InvalidInput("Pick a member of the group who has no allocation yet.")
    rows.append((member_id, ""))
    return candidates[member_id]


def allocation_row_remove(*, rows: list, member_id, saved_ids: set[int]) -> list:
    """`rows` without `member_id`'s row; a saved allocation stays (InvalidInput: it can only be set to 0)."""
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        member_id = None
    if member_id in saved_ids:
        raise InvalidInput("A saved allocation cannot be removed; set it to 0 instead.")
    return [row for row in rows if row[0] != member_id]


@transaction.atomic
def allocations_save(*, budget: Budget, amounts: dict[int, Decimal], acting_user) -> list[Allocation]:
    """Set members' allocations on a budget, all or nothing.

    Locks the budget row, then its allocation rows in id order (the ledger locks in the same order),
    re-checks every rule against the locked rows and raises ValidationError naming each bad row
    (errors keyed by member id; "__all__" for the total). Members not in `amounts` keep their allocation.
    """
    locked = Budget.objects.select_for_update().get(pk=budget.pk, business_id=budget.business_id)
    existing = {a.member_id: a for a in Allocation.objects.filter(budget=locked).select_for_update().order_by("id")}
    members = {
        m.pk: m
        for m in Member.objects.filter(business_id=locked.business_id, pk__in=list(amounts)).select_related("user")
    }
    new_ids = set(amounts) - set(existing)
    in_group = set(
        GroupMembership.objects.filter(group_id=locked.group_id, member_id__in=new_ids).values_list("member_id", flat=True)
    )
    errors: dict = {}
    if locked.status != Budget.Status.ACTIVE:
        errors["__all__"] = ["The budget is closed; its allocations can no longer change."]
    for member_id, amount in amounts.items():
        member = members.get(member_id)
        if member is None:
            errors[member_id] = ["This member is not in your business."]
            continue
        name = member.name
        if amount is None or amount < 0:
            errors[member_id] = [f"{name}: the allocation must be zero or more."]
        elif amount != amount.quantize(CENT):
            errors[member_id] = [f"{name}: the allocation may have at most 2 decimal places."]
        elif amount > AMOUNT_MAX:
            errors[member_id] = [f"{name}: the allocation is too large."]
        elif member_id in existing and amount < existing[member_id].spent:
            errors[member_id] = [
                f"{name}: the allocation cannot be less than the {existing[member_id].spent:.2f} they already spent."
            ]
        elif member_id not in existing and (member_id not in in_group or not member.is_active):
            errors[member_id] = [f"{name}: not an active member of the group {locked.group.name}."]
    if not errors:
        total = sum(
            (amounts.get(mid, a.amount) for mid, a in existing.items()), ZERO
        ) + sum((amounts[mid] for mid in new_ids), ZERO)
        if total > locked.amount:
            errors["__all__"] = [
                f"The allocations add up to {total:.2f}, more than the budget's {locked.amount:.2f} {locked.currency}."
            ]
    if errors:
        raise ValidationError(errors)

    changed = []
    for member_id, amount in amounts.items():
        allocation = existing.get(member_id)
        if allocation is not None and allocation.amount != amount:
            allocation.amount = amount
            changed.append(allocation)
    if changed:
        bulk_update_with_history(changed, Allocation, ["amount"], default_user=acting_user)
    created = [
        Allocation(business_id=locked.business_id, budget=locked, member_id=mid, amount=amounts[mid])
        for mid in sorted(new_ids)
    ]
    if created:
        bulk_create_with_history(created, Allocation, default_user=acting_user)
    return list(Allocation.objects.filter(budget=locked).order_by("id"))
