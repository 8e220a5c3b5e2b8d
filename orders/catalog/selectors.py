"""Reads for the catalog."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from orders.models import Product


def catalog_products(*, query: str = "", category_id: int | None = None) -> QuerySet:
    qs = Product.objects.filter(active=True).select_related("category")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(sku__icontains=query))
    if category_id:
        qs = qs.filter(category_id=category_id)
    return qs.order_by("name", "id")
