"""Writes of the approval rules and buying policies (Business Settings, a group's page, delegations).

Each re-checks its input and its business, whatever the form said, and raises PolicyError with a
message fit for the user; nothing is saved then. Rule edits never change orders already pending (their
levels were frozen as steps at checkout).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from orders.models import (
    ApprovalDelegation,
    ApprovalLevel,
    ApprovalLevelMember,
    ApprovalRule,
    Category,
    CategoryPolicy,
    SpendingLimit,
)
from orders.models.approval import Condition, Deciders, Mode
from procurement.errors import ApplicationError
from procurement.history import history_save, model_update
from procurement.models import Business, Group, GroupMembership, Member
from procurement.money import CENT
from procurement.tenancy import member_has_role

Role = GroupMembership.Role


class PolicyError(ApplicationError):
    """A rule or policy that cannot be saved; `str()` is fit for the user."""


def _may_manage_group(member: Member, group: Group | None) -> bool:
    if member.is_business_admin:
        return True
    return group is not None and member_has_role(member, Role.GROUP_ADMIN, group=group)


def _check_admin(acting_member: Member, business: Business, group: Group | None = None) -> None:
    if acting_member.business_id != business.pk or (group is not None and group.business_id != business.pk):
        raise PolicyError("This belongs to another business.")
    if not _may_manage_group(acting_member, group):
        raise PolicyError("Only business admins (or this group's group admins) can change this.")


@transaction.atomic
def approval_rule_get_or_create(*, business: Business, group: Group | None, acting_member: Member, acting_user) -> ApprovalRule:
    _check_admin(acting_member, business, group)
    rule = ApprovalRule.objects.select_for_update().filter(business=business, group=group).first()
    if rule is None:
        rule = history_save(ApprovalRule(business=business, group=group), acting_user=acting_user)
    return rule


@transaction.atomic
def approval_delays_update(*, business: Business, reminder_days: int, escalation_days: int, acting_member: Member,
                           acting_user) -> ApprovalRule:
    """The business's reminder (N days) and escalation (M days) delays; M must come after N."""
    if not acting_member.is_business_admin or acting_member.business_id != business.pk:
        raise PolicyError("Only business admins can change the reminder and escalation delays.")
    if not (1 <= reminder_days < escalation_days <= 365):
        raise PolicyError("Remind after 1 day or more, and escalate later than the reminder (at most 365 days).")
    rule = approval_rule_get_or_create(business=business, group=None, acting_member=acting_member, acting_user=acting_user)
    return model_update(instance=rule, acting_user=acting_user, update_fields=True,
                        fields={"reminder_days": reminder_days, "escalation_days": escalation_days})


@transaction.atomic
def approval_level_add(
    *, business: Business, group: Group | None, condition: str, deciders: str, mode: str,
    amount: Decimal | None = None, category: Category | None = None, named: list[Member] = (),
    acting_member: Member, acting_user,
) -> ApprovalLevel:
    """Append a level to the business rule (group None) or the group's override."""
    if condition not in Condition.values or deciders not in Deciders.values or mode not in Mode.values:
        raise PolicyError("Choose a condition, who decides, and whether one or all of them must approve.")
    if condition == Condition.AMOUNT:
        if amount is None or amount < 0 or amount != amount.quantize(CENT):
            raise PolicyError("Enter the amount (0 or more, in whole cents) at or above which the level applies.")
    else:
        amount = None
    if condition == Condition.CATEGORY and category is None:
        raise PolicyError("Choose the category the level applies to.")
    if condition != Condition.CATEGORY:
        category = None
    named = list(named or [])
    if deciders == Deciders.NAMED:
        if not named:
            raise PolicyError("Name at least one member who decides this level.")
        if any(m.business_id != business.pk or not m.is_active for m in named):
            raise PolicyError("Named deciders must be active members of your business.")
    else:
        named = []
    rule = approval_rule_get_or_create(business=business, group=group, acting_member=acting_member, acting_user=acting_user)
    position = (ApprovalLevel.objects.filter(rule=rule).aggregate(p=Max("position"))["p"] or 0) + 1
    level = history_save(ApprovalLevel(business=business, rule=rule, position=position, condition=condition, amount=amount,
                                       category=category, deciders=deciders, mode=mode), acting_user=acting_user)
    ApprovalLevelMember.objects.bulk_create(
        [ApprovalLevelMember(business=business, level=level, member=m) for m in named]
    )
    return level


@transaction.atomic
def approval_level_remove(*, level: ApprovalLevel, acting_member: Member, acting_user) -> None:
    """Remove a level; the later ones move up (positions stay 1..n)."""
    rule = ApprovalRule.objects.select_for_update(of=("self",)).select_related("group").get(pk=level.rule_id)
    _check_admin(acting_member, acting_member.business, rule.group)
    if rule.business_id != acting_member.business_id:
        raise PolicyError("This belongs to another business.")
    ApprovalLevel.objects.filter(pk=level.pk, rule=rule).delete()
    for i, remaining in enumerate(ApprovalLevel.objects.filter(rule=rule).order_by("position", "id"), start=1):
        if remaining.position != i:
            ApprovalLevel.objects.filter(pk=remaining.pk).update(position=i)


@transaction.atomic
def approval_rule_remove(*, business: Business, group: Group, acting_member: Member, acting_user) -> None:
    """Drop a group's override: the group follows the business rule again."""
    _check_admin(acting_member, business, group)
    ApprovalRule.objects.filter(business=business, group=group).delete()


def _admin_of_member(acting_member: Member, member_id: int) -> bool:
    """Business admins manage everyone's limits; group admins those of their groups' members."""
    if acting_member.is_business_admin:
        return True
    admin_of = GroupMembership.objects.filter(member=acting_member, role=Role.GROUP_ADMIN).values("group_id")
    return GroupMembership.objects.filter(member_id=member_id, group_id__in=admin_of).exists()


@transaction.atomic
def spending_limit_set(
    *, member: Member, per_order: Decimal | None, per_month: Decimal | None, action: str, acting_member: Member, acting_user,
) -> SpendingLimit:
    """Set a member's personal limits; business admins for anyone, group admins for their groups' members."""
    if member.business_id != acting_member.business_id:
        raise PolicyError("This member is not in your business.")
    if not _admin_of_member(acting_member, member.pk):
        raise PolicyError("Group admins set limits for members of their own groups only.")
    if member.pk == acting_member.pk and not acting_member.is_business_admin:
        raise PolicyError("Ask another admin to set your own limit.")
    if action not in SpendingLimit.Action.values:
        raise PolicyError("Choose what happens over the limit.")
    for value in (per_order, per_month):
        if value is not None and (value < 0 or value != value.quantize(CENT)):
            raise PolicyError("Limits are amounts of 0 or more, in whole cents.")
    if per_order is None and per_month is None:
        raise PolicyError("Enter a limit per order, per month, or both.")
    limit = SpendingLimit.objects.select_for_update().filter(business_id=member.business_id, member=member).first()
    if limit is None:
        return history_save(SpendingLimit(business_id=member.business_id, member=member, per_order=per_order,
                                          per_month=per_month, action=action), acting_user=acting_user)
    return model_update(instance=limit, acting_user=acting_user,
                        fields={"per_order": per_order, "per_month": per_month, "action": action})


@transaction.atomic
def spending_limit_remove(*, limit: SpendingLimit, acting_member: Member, acting_user) -> None:
    if limit.business_id != acting_member.business_id:
        raise PolicyError("This limit is not in your business.")
    if not _admin_of_member(acting_member, limit.member_id):
        raise PolicyError("Group admins remove limits of members of their own groups only.")
    limit.delete()


@transaction.atomic
def category_policy_set(*, group: Group, category: Category, policy: str, acting_member: Member, acting_user) -> CategoryPolicy:
    _check_admin(acting_member, acting_member.business, group)
    if policy not in CategoryPolicy.Policy.values:
        raise PolicyError("Choose restricted or always needs approval.")
    row, _ = CategoryPolicy.objects.update_or_create(
        business_id=group.business_id, group=group, category=category, defaults={"policy": policy},
    )
    return row


@transaction.atomic
def category_policy_remove(*, row: CategoryPolicy, acting_member: Member, acting_user) -> None:
    _check_admin(acting_member, acting_member.business, row.group)
    row.delete()


@transaction.atomic
def delegation_create(
    *, approver: Member, delegate: Member, start_date: datetime.date, end_date: datetime.date, acting_user,
) -> ApprovalDelegation:
    """An approver names a delegate for a date range (out of office)."""
    if delegate.business_id != approver.business_id or not delegate.is_active:
        raise PolicyError("Your delegate must be an active member of your business.")
    if delegate.pk == approver.pk:
        raise PolicyError("Choose someone else as your delegate.")
    if end_date < start_date:
        raise PolicyError("The delegation ends on or after the day it starts.")
    if (end_date - start_date).days > 366:
        raise PolicyError("A delegation lasts at most a year.")
    return history_save(ApprovalDelegation(business_id=approver.business_id, approver=approver, delegate=delegate,
                                           start_date=start_date, end_date=end_date), acting_user=acting_user)


@transaction.atomic
def delegation_remove(*, delegation: ApprovalDelegation, acting_member: Member, acting_user) -> None:
    if delegation.approver_id != acting_member.pk:
        raise PolicyError("Only the approver who named the delegate can end the delegation.")
    delegation.delete()
