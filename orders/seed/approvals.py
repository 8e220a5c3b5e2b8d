"""Demo approval workflow for Acme: over 1,000 the group's approvers decide; over 5,000 finance too
(idempotent: the rule is created once). Approvers get a reminder after 2 days, admins an escalation after 5."""

from decimal import Decimal

from orders.models import ApprovalLevel, ApprovalRule
from orders.models.approval import Condition, Deciders, Mode


def seed_approval_rule(*, business, stdout=None) -> ApprovalRule:
    rule, created = ApprovalRule.objects.get_or_create(
        business=business, group=None, defaults={"reminder_days": 2, "escalation_days": 5},
    )
    if created or not rule.levels.exists():
        for position, amount, deciders in ((1, "1000.00", Deciders.GROUP_APPROVERS), (2, "5000.00", Deciders.GROUP_FINANCE)):
            ApprovalLevel.objects.get_or_create(
                business=business, rule=rule, position=position,
                defaults={"condition": Condition.AMOUNT, "amount": Decimal(amount), "deciders": deciders, "mode": Mode.ANY},
            )
        if stdout is not None:
            stdout.write("Approval workflow: over 1,000 the group's approvers, over 5,000 also finance.")
    return rule
