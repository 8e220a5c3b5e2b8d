"""What applies to an order: the approval levels of the effective rule, personal limits, category policies.

The effective rule is the group's override, else the business's rule. `Group.approval_threshold` stays
as an implicit first level (total above the threshold: the group's approvers, any one) whenever the
effective rule has no amount level, so groups set up before approval workflows keep working.
Triggers no level of the rule covers (over budget under "require approval", a personal limit with the
"needs approval" action, an "always needs approval" category) add an implicit level: the group's
approvers, any one of them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, Sum, prefetch_related_objects
from django.utils import timezone

from orders.models import (
    ApprovalLevel,
    ApprovalRule,
    Category,
    CategoryPolicy,
    Order,
    SpendingLimit,
)
from orders.models.approval import Condition, Deciders, Mode
from procurement.models import Group, Member
from procurement.money import ZERO


@dataclass(frozen=True)
class LevelDraft:
    """A level that applies to one order, before it becomes an OrderApprovalStep."""

    why: str
    deciders: str = Deciders.GROUP_APPROVERS
    mode: str = Mode.ANY
    named_ids: tuple[int, ...] = ()


@dataclass
class PolicyVerdict:
    """What checkout must do with a cart: refuse it (`blocked`), or route it through `levels`."""

    levels: list[LevelDraft] = field(default_factory=list)
    blocked: str = ""


def rule_effective(*, business_id: int, group_id: int) -> ApprovalRule | None:
    """The group's override, else the business rule, with its levels and named deciders (three queries:
    both candidate rules at once, then the levels and named deciders of the one that applies)."""
    levels = Prefetch(
        "levels", queryset=ApprovalLevel.objects.select_related("category").prefetch_related("named").order_by("position", "id"),
    )
    rules = {
        r.group_id: r for r in ApprovalRule.objects.filter(business_id=business_id)
        .filter(Q(group_id=group_id) | Q(group__isnull=True)).order_by("id")
    }
    rule = rules.get(group_id) or rules.get(None)
    if rule is not None:
        prefetch_related_objects([rule], levels)
    return rule


def business_rule(*, business_id: int) -> ApprovalRule | None:
    return ApprovalRule.objects.filter(business_id=business_id, group__isnull=True).first()


def category_policies(*, business_id: int, group_ids) -> dict[int, dict[int, str]]:
    """{group id: {category id: policy}} for the groups given."""
    out: dict[int, dict[int, str]] = {gid: {} for gid in group_ids}
    for gid, cid, policy in CategoryPolicy.objects.filter(business_id=business_id, group_id__in=list(group_ids)).values_list(
        "group_id", "category_id", "policy"
    ):
        out.setdefault(gid, {})[cid] = policy
    return out


def spending_limit(*, member: Member) -> SpendingLimit | None:
    return SpendingLimit.objects.filter(business_id=member.business_id, member=member).first()


def month_spent(*, member: Member, today: datetime.date | None = None) -> Decimal:
    """What the member ordered this calendar month (pending included; cancelled and rejected not)."""
    today = today or timezone.localdate()
    start = timezone.make_aware(datetime.datetime(today.year, today.month, 1))
    total = (
        Order.objects.filter(business_id=member.business_id, buyer=member, placed_at__gte=start)
        .exclude(status__in=[Order.Status.CANCELLED, Order.Status.REJECTED])
        .aggregate(t=Sum("total"))["t"]
    )
    return total or ZERO


def personal_limit_over(*, limit: SpendingLimit | None, total: Decimal, spent_this_month: Decimal) -> str:
    """Why the order is over the buyer's personal limit, or "" when it is not."""
    if limit is None:
        return ""
    if limit.per_order is not None and total > limit.per_order:
        return f"The order total {total} is over your personal limit of {limit.per_order} per order."
    if limit.per_month is not None and spent_this_month + total > limit.per_month:
        return (
            f"With this order you would spend {spent_this_month + total} this month, over your personal limit of "
            f"{limit.per_month} a month."
        )
    return ""


def order_policy(
    *, member: Member, group: Group, total: Decimal, category_ids: set[int], over_budget: str = "",
    spent_this_month: Decimal | None = None,
) -> PolicyVerdict:
    """The levels an order of `total` with `category_ids` goes through in `group`, or why it is refused.

    `over_budget` is the ledger's message when the budget's "require approval" policy asked for approval.
    """
    policies = category_policies(business_id=member.business_id, group_ids=[group.pk])[group.pk]
    named = [c for c in category_ids if c in policies]  # names only for the messages, when a policy applies
    names = dict(Category.objects.filter(pk__in=named).values_list("pk", "name")) if named else {}
    restricted = sorted(names[c] for c in category_ids if policies.get(c) == CategoryPolicy.Policy.RESTRICTED)
    if restricted:
        return PolicyVerdict(blocked=f"{', '.join(restricted)} may not be ordered in {group.name}. Remove it from your cart.")
    limit = spending_limit(member=member)
    personal = ""
    if limit is not None:
        spent = month_spent(member=member) if spent_this_month is None else spent_this_month
        personal = personal_limit_over(limit=limit, total=total, spent_this_month=spent)
        if personal and limit.action == SpendingLimit.Action.BLOCK:
            return PolicyVerdict(blocked=f"{personal} Ask your admin, or order less.")

    verdict = PolicyVerdict()
    rule = rule_effective(business_id=member.business_id, group_id=group.pk)
    levels = list(rule.levels.all()) if rule is not None else []
    covered: set[str] = set()
    categories_covered: set[int] = set()
    for level in levels:
        why = _level_applies(level, total=total, category_ids=category_ids, over_budget=over_budget, personal=personal)
        if not why:
            continue
        covered.add(level.condition)
        if level.condition == Condition.CATEGORY:
            categories_covered.add(level.category_id)
        verdict.levels.append(LevelDraft(
            why=why, deciders=level.deciders, mode=level.mode,
            named_ids=tuple(sorted(n.member_id for n in level.named.all())),
        ))
    threshold = group.approval_threshold
    if threshold is not None and total > threshold and not any(lv.condition == Condition.AMOUNT for lv in levels):
        verdict.levels.insert(0, LevelDraft(why=f"The order total {total} is above {group.name}'s approval threshold of {threshold}."))
    if over_budget and Condition.OVER_BUDGET not in covered:
        verdict.levels.append(LevelDraft(why=over_budget))
    if personal and Condition.PERSONAL_LIMIT not in covered:
        verdict.levels.append(LevelDraft(why=personal))
    always = sorted(
        names[c] for c in category_ids
        if policies.get(c) == CategoryPolicy.Policy.NEEDS_APPROVAL and c not in categories_covered
    )
    if always:
        verdict.levels.append(LevelDraft(why=f"{', '.join(always)} always needs approval in {group.name}."))
    return verdict


def _level_applies(level: ApprovalLevel, *, total, category_ids, over_budget: str, personal: str) -> str:
    if level.condition == Condition.AMOUNT:
        amount = level.amount if level.amount is not None else ZERO
        return f"The order total {total} is at or above {amount}." if total >= amount else ""
    if level.condition == Condition.CATEGORY:
        return f"The order contains {level.category.name}." if level.category_id in category_ids else ""
    if level.condition == Condition.OVER_BUDGET:
        return over_budget
    if level.condition == Condition.PERSONAL_LIMIT:
        return personal
    return ""


def level_describe(level: ApprovalLevel) -> str:
    """One line for the settings page and the catalog: when the level applies."""
    if level.condition == Condition.AMOUNT:
        return f"Order total at or above {level.amount}"
    if level.condition == Condition.CATEGORY:
        return f"Order contains {level.category.name if level.category_id else 'a category'}"
    return level.get_condition_display()


@dataclass(frozen=True)
class BuyingHints:
    """For the catalog and the cart: hidden categories and why a product needs approval."""

    hidden_category_ids: frozenset[int]
    #: category id -> reasons (category policies and category levels)
    category_reasons: dict[int, list[str]]
    #: (amount, reason) pairs: a line or cart at or above amount needs approval
    amount_reasons: list[tuple[Decimal, str]]

    def product_reasons(self, product) -> list[str]:
        reasons = list(self.category_reasons.get(product.category_id, []))
        reasons += [why for amount, why in self.amount_reasons if product.unit_price >= amount]
        return reasons


def _restricted_everywhere(policies: dict[int, dict[int, str]], group_ids) -> set[int]:
    restricted_sets = [
        {c for c, p in policies.get(gid, {}).items() if p == CategoryPolicy.Policy.RESTRICTED} for gid in group_ids
    ]
    return set.intersection(*restricted_sets) if restricted_sets else set()


def hidden_category_ids(*, member: Member, group_ids) -> frozenset[int]:
    """The categories restricted in every group the member buys for (`buying_hints().hidden_category_ids`
    in one query, for Add to cart)."""
    group_ids = list(group_ids)
    return frozenset(_restricted_everywhere(category_policies(business_id=member.business_id, group_ids=group_ids), group_ids))


def buying_hints(*, member: Member, groups: list[Group]) -> BuyingHints:
    """Per member: categories restricted in every group they buy for are hidden; the rest say why they
    need approval (category policies, category and amount levels, the per-order personal limit).
    A handful of queries, whatever the page size."""
    group_ids = [g.pk for g in groups]
    policies = category_policies(business_id=member.business_id, group_ids=group_ids)
    hidden = _restricted_everywhere(policies, group_ids)
    reasons: dict[int, list[str]] = {}
    amounts: list[tuple[Decimal, str]] = []
    names = dict(Category.objects.values_list("pk", "name"))
    for group in groups:
        for cid, policy in policies.get(group.pk, {}).items():
            if policy == CategoryPolicy.Policy.NEEDS_APPROVAL:
                reasons.setdefault(cid, []).append(f"{names.get(cid, 'This category')} always needs approval in {group.name}")
            elif cid not in hidden:
                reasons.setdefault(cid, []).append(f"Restricted in {group.name}")
        rule = rule_effective(business_id=member.business_id, group_id=group.pk)
        has_amount_level = False
        for level in rule.levels.all() if rule is not None else []:
            if level.condition == Condition.CATEGORY and level.category_id:
                reasons.setdefault(level.category_id, []).append(
                    f"{level.category.name} needs approval in {group.name} ({level.get_deciders_display().lower()})"
                )
            elif level.condition == Condition.AMOUNT:
                has_amount_level = True
                amounts.append((level.amount or ZERO, f"Orders at or above {level.amount} need approval in {group.name} "
                                                      f"({level.get_deciders_display().lower()})"))
        if group.approval_threshold is not None and not has_amount_level:
            amounts.append((group.approval_threshold + Decimal("0.01"),
                            f"Orders above {group.approval_threshold} need approval in {group.name}"))
    limit = spending_limit(member=member)
    if limit is not None and limit.per_order is not None:
        verb = "are blocked" if limit.action == SpendingLimit.Action.BLOCK else "need approval"
        amounts.append((limit.per_order + Decimal("0.01"), f"Orders over your personal limit of {limit.per_order} {verb}"))
    return BuyingHints(frozenset(hidden), reasons, amounts)
