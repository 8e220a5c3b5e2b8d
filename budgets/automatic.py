"""Automatic allocation ("Set automatic allocation") and "Add all group members" (services).

A budget's AllocationRule gives every member who can buy in its group (active buyers and group admins)
an allocation: a fixed amount each, or an equal share of the budget. The rule is kept: procurement's
group-membership service sends `procurement.signals.group_membership_changed` after a member joins or
leaves a group (procurement never imports budgets), and `on_group_membership_changed` below applies
the rule to the group's active budgets. A member who leaves keeps what they spent; the unspent part of
their allocation returns to the pool (their allocation is lowered to what they spent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from procurement.models import GroupMembership, Member
from procurement.money import CENT, ZERO

from .ledger import budget_lock
from .models import Allocation, AllocationRule, Budget
from .services import AMOUNT_MAX, allocation_distribute_evenly

BUYING_ROLES = (GroupMembership.Role.BUYER, GroupMembership.Role.GROUP_ADMIN)


@dataclass
class Outcome:
    """What a rule or "Add all group members" did: who got what, and who was left out and why."""

    added: list[tuple[Member, Decimal]] = field(default_factory=list)
    changed: list[tuple[Member, Decimal, Decimal]] = field(default_factory=list)
    left_out: list[tuple[Member, str]] = field(default_factory=list)


def buying_members(*, budget: Budget) -> list[Member]:
    """Active members who can buy in the budget's group (buyers and group admins), by name."""
    return list(
        Member.objects.filter(
            business_id=budget.business_id, is_active=True,
            pk__in=GroupMembership.objects.filter(group_id=budget.group_id, role__in=BUYING_ROLES).values("member_id"),
        ).select_related("user").order_by("user__first_name", "user__last_name", "user__email", "id")
    )


def group_members_left_out(*, budget: Budget) -> list[tuple[Member, str]]:
    """Members of the group who cannot get an allocation, with the reason (for the Allocations page)."""
    memberships = GroupMembership.objects.filter(group_id=budget.group_id).select_related("member__user")
    roles: dict[int, set[str]] = {}
    members: dict[int, Member] = {}
    for ms in memberships:
        roles.setdefault(ms.member_id, set()).add(ms.role)
        members[ms.member_id] = ms.member
    out = []
    for member_id, held in roles.items():
        member = members[member_id]
        if not member.is_active:
            out.append((member, "deactivated"))
        elif not held & set(BUYING_ROLES):
            shown = ", ".join(sorted(GroupMembership.Role(r).label for r in held))
            out.append((member, f"cannot buy in the group ({shown} only)"))
    return sorted(out, key=lambda pair: pair[0].name)


def _targets(*, rule: AllocationRule, budget: Budget, members: list[Member],
             existing: dict[int, Allocation], reserved: Decimal) -> dict[int, Decimal]:
    """The allocation each member should have under the rule (never below what they spent).

    An equal share splits the budget less what former members keep (`reserved`).
    """
    if rule.mode == AllocationRule.Mode.FIXED:
        wanted = {m.pk: rule.amount for m in members}
    elif members:
        shares = allocation_distribute_evenly(total=max(ZERO, budget.amount - reserved), count=len(members))
        wanted = {m.pk: share for m, share in zip(members, shares)}
    else:
        wanted = {}
    return {pk: max(amount, existing[pk].spent if pk in existing else ZERO) for pk, amount in wanted.items()}


@transaction.atomic
def allocation_rule_apply_to_budget(*, budget: Budget, acting_user, rule: AllocationRule | None = None) -> Outcome:
    """Give every member who can buy their allocation under the budget's rule; members who left the
    group keep only what they spent. Locks the budget row, then its allocation rows (the ledger's order).

    Fixed amounts are handed out in name order while they fit in the budget; whoever no longer fits is
    left out with the reason. An equal share that no longer fits (others spent more than their share)
    becomes what is left. Nothing happens on a closed budget or a budget without a rule.
    """
    locked = budget_lock(budget_id=budget.pk, business_id=budget.business_id)
    outcome = Outcome()
    rule = rule or AllocationRule.objects.filter(budget=locked).first()
    if rule is None or locked.status != Budget.Status.ACTIVE:
        return outcome
    existing = {a.member_id: a for a in Allocation.objects.filter(budget=locked).select_for_update().order_by("id")}
    members = buying_members(budget=locked)
    by_id = {m.pk: m for m in members}
    # Members who left: their allocation drops to what they spent; the rest returns to the pool.
    final = {pk: a.amount for pk, a in existing.items()}
    for pk, allocation in existing.items():
        if pk not in by_id and allocation.amount > allocation.spent:
            final[pk] = allocation.spent
    reserved = sum((amount for pk, amount in final.items() if pk not in by_id), ZERO)
    wanted = _targets(rule=rule, budget=locked, members=members, existing=existing, reserved=reserved)
    # Lower first (frees room), then raise and add in name order while the total fits.
    for pk, amount in wanted.items():
        if pk in final and amount < final[pk]:
            final[pk] = amount
    for member in members:
        amount = wanted[member.pk]
        current = final.get(member.pk)
        if current is not None and amount <= current:
            continue
        room = locked.amount - sum(final.values(), ZERO) + (current or ZERO)
        if amount > room and rule.mode == AllocationRule.Mode.EQUAL and room > (current or ZERO):
            amount = room  # an equal share gets what is left when others already spent more than theirs
        elif amount > room:
            outcome.left_out.append((member, f"only {max(room, ZERO):.2f} is left unallocated"))
            continue
        final[member.pk] = amount
    changed, created = [], []
    for pk, amount in final.items():
        if pk in existing:
            if existing[pk].amount != amount:
                member = by_id.get(pk) or existing[pk].member
                outcome.changed.append((member, existing[pk].amount, amount))
                existing[pk].amount = amount
                changed.append(existing[pk])
        else:
            created.append(Allocation(business_id=locked.business_id, budget=locked, member_id=pk, amount=amount))
            outcome.added.append((by_id[pk], amount))
    if changed:
        bulk_update_with_history(changed, Allocation, ["amount"], default_user=acting_user)
    if created:
        bulk_create_with_history(created, Allocation, default_user=acting_user)
    return outcome


@transaction.atomic
def allocation_rule_set(*, budget: Budget, mode: str, amount: Decimal | None, acting_user) -> Outcome:
    """Keep the budget's automatic allocation rule and apply it now (history records the rule)."""
    locked = budget_lock(budget_id=budget.pk, business_id=budget.business_id)
    if locked.status != Budget.Status.ACTIVE:
        raise ValidationError("The budget is closed; its allocations can no longer change.")
    if mode not in AllocationRule.Mode.values:
        raise ValidationError({"mode": "Choose a fixed amount or an equal share."})
    if mode == AllocationRule.Mode.FIXED:
        if amount is None or amount <= 0 or amount != amount.quantize(CENT) or amount > AMOUNT_MAX:
            raise ValidationError({"amount": "Enter an amount above zero, in whole cents."})
        if amount > locked.amount:
            raise ValidationError({"amount": f"The amount is more than the budget's {locked.amount:.2f}."})
    else:
        amount = None
    rule = AllocationRule.objects.filter(budget=locked).first() or AllocationRule(
        business_id=locked.business_id, budget=locked
    )
    rule.mode, rule.amount = mode, amount
    rule._history_user = acting_user
    rule.save()
    return allocation_rule_apply_to_budget(budget=locked, acting_user=acting_user, rule=rule)


@transaction.atomic
def allocation_rule_remove(*, budget: Budget, acting_user) -> None:
    """Stop applying the rule; allocations stay as they are."""
    rule = AllocationRule.objects.filter(budget=budget).first()
    if rule is not None:
        rule._history_user = acting_user
        rule.delete()


def allocation_rule_copy(*, source: Budget, target: Budget, acting_user) -> AllocationRule | None:
    """The next period of a series starts from the old period's rule."""
    rule = AllocationRule.objects.filter(budget=source).first()
    if rule is None:
        return None
    copy = AllocationRule(business_id=target.business_id, budget=target, mode=rule.mode, amount=rule.amount)
    copy._history_user = acting_user
    copy.save()
    return copy


def on_group_membership_changed(sender, *, group_id: int, member_id: int, acting_user=None, **kwargs) -> None:
    """procurement's signal: apply every active rule of the group's budgets (join gets, leave returns)."""
    budgets = Budget.objects.filter(
        group_id=group_id, status=Budget.Status.ACTIVE, allocation_rule__isnull=False
    ).order_by("id")
    for budget in budgets:
        allocation_rule_apply_to_budget(budget=budget, acting_user=acting_user)
