"""The budgets side of Your Account for Business: Blanket POs of the member's groups that fell under
their low-funds alert (see procurement.attention). One count query."""

from __future__ import annotations

from django.urls import reverse

from procurement.attention import AttentionItem, provider

from .selectors import budgets_low_on_funds


@provider("low_funds", order=30)
def low_funds(*, member) -> list[AttentionItem]:
    n = budgets_low_on_funds(member=member).count()
    if not n:
        return []
    text = f"{n} budget{'s' if n != 1 else ''} (Blanket PO) under the low-funds alert"
    return [AttentionItem("low_funds", text, f"{reverse('budgets:budget_overview')}?low_funds=1", n, "warning", order=30)]
