"""Reads for the documents pages: the invoice list and the credit notes of the invoices one may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.template.loader import render_to_string

from orders.access import invoice_groups_visible_to, invoices_visible_to
from orders.documents.forms import InvoiceFilter
from orders.models import CreditNote, Invoice, InvoiceLine
from orders.pagecache import fragment, invoice_lines_key
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


def invoice_lines_html(invoice: Invoice) -> str:
    """The invoice's rows as HTML, cached: an issued invoice's lines never change (orders.pagecache)."""
    def build():
        lines = list(InvoiceLine.objects.filter(invoice_id=invoice.pk).order_by("id")
                     .values("sku", "description", "quantity", "unit_price", "amount"))
        return render_to_string("orders/documents/_invoice_lines.html", {"lines": lines, "business": invoice.business})

    return fragment(invoice_lines_key(invoice=invoice, business=invoice.business), build)
