"""Reads for order information fields: which fields a group fills, choice search, values per order."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from orders.models import OrderField, OrderFieldChoice, OrderFieldValue
from procurement.models import Business, Group

#: The choice search returns at most this many choices per page, and pages stop at SEARCH_PAGES_MAX.
SEARCH_PAGE_SIZE = 20
SEARCH_PAGES_MAX = 50
SEARCH_QUERY_MAX = 100


def order_fields_for_group(*, business: Business, group: Group | None) -> list[OrderField]:
    """The active fields a buyer of `group` fills at checkout (a field with no groups applies to all)."""
    applies = Q(group_links__isnull=True)
    if group is not None:
        applies |= Q(group_links__group_id=group.pk)
    return list(
        OrderField.objects.filter(business=business, active=True).filter(applies).distinct().order_by("position", "name", "id")
    )


def order_field_list(*, business: Business) -> QuerySet:
    """Business Settings -> Order information: every field with its choice count and groups (two queries)."""
    return (
        OrderField.objects.filter(business=business)
        .annotate(choice_count=Count("choices", filter=Q(choices__active=True)))
        .prefetch_related("groups")
        .order_by("-active", "position", "name", "id")
    )


def order_field_choices(*, field: OrderField, search: str = "") -> QuerySet:
    """A field's choices for its settings page (paginated by the view), optionally filtered."""
    qs = OrderFieldChoice.objects.filter(business_id=field.business_id, field=field)
    search = (search or "").strip()[:SEARCH_QUERY_MAX]
    if search:
        qs = qs.filter(Q(value__icontains=search) | Q(label__icontains=search))
    return qs.order_by("-active", "value")


def choice_search(*, business: Business, field_id: int, query: str, page: int = 1) -> tuple[list[dict], bool]:
    """Active choices of one of the business's choice fields whose value or label contains `query`:
    one page of SEARCH_PAGE_SIZE as [{value, label}], and whether there are more. One query."""
    page = min(max(page, 1), SEARCH_PAGES_MAX)
    qs = OrderFieldChoice.objects.filter(business=business, field_id=field_id, field__active=True, active=True)
    query = (query or "").strip()[:SEARCH_QUERY_MAX]
    if query:
        qs = qs.filter(Q(value__icontains=query) | Q(label__icontains=query))
    start = (page - 1) * SEARCH_PAGE_SIZE
    rows = list(qs.order_by("value").values("value", "label")[start:start + SEARCH_PAGE_SIZE + 1])
    return rows[:SEARCH_PAGE_SIZE], len(rows) > SEARCH_PAGE_SIZE and page < SEARCH_PAGES_MAX


def report_fields(*, business: Business) -> list[OrderField]:
    """The orders report's extra columns: every field the business has defined (active ones first)."""
    return list(OrderField.objects.filter(business=business).order_by("-active", "position", "name", "id"))


def order_values_by_order(*, business_id: int, order_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """{order id: {field id: displayed value}} for the given orders, in one query."""
    out: dict[int, dict[int, str]] = {}
    ids = list(set(order_ids))
    if not ids:
        return out
    for order_id, field_id, value in OrderFieldValue.objects.filter(
        business_id=business_id, order_id__in=ids, field__isnull=False
    ).values_list("order_id", "field_id", "value"):
        out.setdefault(order_id, {})[field_id] = value
    return out
