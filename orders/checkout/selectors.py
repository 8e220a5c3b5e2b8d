"""Reads for the checkout page: the groups, budgets and addresses a buyer may choose."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from budgets.ledger import member_may_spend, spend_limit
from budgets.forecast import budget_forecasts, forecast_sentence
from budgets.models import Budget
from procurement.formatting import format_money
from procurement.models import Address, Group, GroupMembership, Member
from procurement.tenancy import member_group_ids
from orders.information import selectors as information

Role = GroupMembership.Role


def buyer_groups(*, member: Member) -> QuerySet:
    return Group.objects.filter(business_id=member.business_id, pk__in=member_group_ids(member, Role.BUYER)).select_related("shipping_address")


@dataclass(frozen=True)
class BudgetChoice:
    budget: Budget
    remaining: object  # Decimal or None when the budget hides its balance
    business: object = None  # whose locale writes the amount (Babel)
    forecast: str = ""  # "At this rate, ... runs out on 14 Sep, 16 days before the period ends." (or "")

    @property
    def label(self) -> str:
        text = f"{self.budget.name} · Blanket PO {self.budget.po_number}"
        if self.remaining is not None:
            text += f" · {format_money(self.remaining, self.business, currency=self.budget.currency)} remaining"
        return text


def checkout_budgets(*, member: Member, group: Group, balances: bool = True) -> list[BudgetChoice]:
    """Active, in-date budgets of the group the member may spend from, with what they may still spend
    (`balances=False`: without the remainders and forecasts, which only the page shows; a valid Place
    order POST needs just the budgets)."""
    today = timezone.localdate()
    budgets = Budget.objects.filter(
        business_id=member.business_id, group=group, status=Budget.Status.ACTIVE,
        start_date__lte=today, end_date__gte=today,
    ).order_by("end_date", "name")
    budgets = [b for b in budgets if member_may_spend(budget=b, member=member)]
    if not balances:
        return [BudgetChoice(budget, None, member.business) for budget in budgets]
    forecasts = budget_forecasts(budgets=budgets, today=today)
    choices = []
    for budget in budgets:
        remaining = spend_limit(budget=budget, member=member).available if budget.show_balance_to_buyers else None
        sentence = forecast_sentence(budget=budget, forecast=forecasts[budget.pk]) if budget.show_balance_to_buyers else ""
        choices.append(BudgetChoice(budget, remaining, member.business, sentence))
    return choices


def group_has_active_budgets(*, group: Group) -> bool:
    return Budget.objects.filter(business_id=group.business_id, group=group, status=Budget.Status.ACTIVE).exists()


def checkout_addresses(*, member: Member) -> QuerySet:
    return Address.objects.filter(business_id=member.business_id, is_active=True).order_by("label")


def order_fields_for_group(*, business, group: Group | None) -> list:
    """The active order information fields (OrderField) buyers of `group` fill at checkout, in order."""
    return information.order_fields_for_group(business=business, group=group)
