"""Reads for the documents pages: the invoice list and the credit notes of the invoices one may see."""

from __future__ import annotations

from django.db.models import QuerySet

from orders.access import invoice_groups_visible_to, invoices_visible_to
from orders.documents.forms import InvoiceFilter
from orders.models import CreditNote, Invoice
from procurement.models import Group, Member


def invoice_list(*, member: Member, data) -> tuple[QuerySet, InvoiceFilter]:
    """The invoices `member` may see, newest first, filtered by `data` (the query string; empty: no filter).

    Returns the queryset and the FilterSet (its `form` is shown); a filter that does not validate shows
    no invoices, with the form's errors.
    """
    groups = invoice_groups_visible_to(member=member, queryset=Group.objects.filter(business_id=member.business_id))
    queryset = invoices_visible_to(
        member=member,
        queryset=Invoice.objects.filter(business_id=member.business_id)
        .select_related("order", "order__group", "shipment").prefetch_related("credit_notes").order_by("-issued_on", "-id"),
    )
    filterset = InvoiceFilter(data or None, queryset=queryset, groups=groups)
    if not filterset.is_bound:
        return queryset, filterset
    if not filterset.is_valid():
        return queryset.none(), filterset
    return filterset.qs, filterset


def credit_notes_of(invoices: QuerySet) -> QuerySet:
    """The credit notes of `invoices` (already scoped to a member by `invoice_list`): same business, same rights."""
    return CreditNote.objects.filter(invoice__in=invoices.order_by().values("pk")).select_related("order", "invoice")
