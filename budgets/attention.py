"""The budgets side of Your Account for Business: Blanket POs of the member's groups that fell under
their low-funds alert (see procurement.attention). One bounded count query."""

from __future__ import annotations

from django.urls import reverse

from procurement.attention import AttentionItem, bounded_count, count_label, provider

from .selectors import budgets_low_on_funds


@provider("low_funds", order=30)
def low_funds(*, member) -> list[AttentionItem]:
    n = bounded_count(budgets_low_on_funds(member=member))
    if not n:
        return []
    text = f"{count_label(n)} budget{'s' if n != 1 else ''} (Blanket PO) under the low-funds alert"
    return [AttentionItem("low_funds", text, f"{reverse('budgets:budget_overview')}?low_funds=1", n, "warning", order=30)]
