"""Finance reads shared with other pages: the Find by PO number page shows these results too."""

from django.db.models import Q

from orders.finance.forms import PaymentFilter
from orders.models import Invoice, Payment, Refund
from procurement.models import Business

FIND_LIMIT = 25


def finance_find(*, business: Business, q: str) -> dict:
    """Invoices and payments of the business whose PO number or invoice number matches `q`.

    Exact matches and partial ones (a fragment of the number) both count; payments also match on the
    bank reference text and on the invoices they were applied to.
    """
    q = (q or "").strip()
    if len(q) < 2:
        return {"invoices": [], "payments": []}
    invoices = (
        Invoice.objects.filter(business=business)
        .filter(Q(number__icontains=q) | Q(order__po_number__icontains=q) | Q(order__blanket_po_number__icontains=q))
        .select_related("order")
        .order_by("-issued_on", "-id")[:FIND_LIMIT]
    )
    payment_ids = (
        Payment.objects.filter(business=business)
        .filter(
            Q(po_number__icontains=q) | Q(invoice_number__icontains=q) | Q(reference__icontains=q)
            | Q(allocations__invoice__number__icontains=q) | Q(allocations__invoice__order__po_number__icontains=q)
        )
        .values("pk")
    )
    payments = Payment.objects.filter(business=business, pk__in=payment_ids).order_by("-received_on", "-id")[:FIND_LIMIT]
    return {"invoices": list(invoices), "payments": list(payments)}


def payment_list(*, business: Business, data) -> tuple:
    """The payments list filtered by `data` (the query string), newest first, and the filter errors to show.

    A filter that cannot be read is left out (the others apply) and its message is returned.
    """
    filterset = PaymentFilter(data or None, queryset=Payment.objects.filter(business=business).select_related("statement_import"))
    return filterset.qs.order_by("-received_on", "-id"), filterset.date_errors() if filterset.is_bound else []


def refunds_recent(*, business: Business, limit: int = 20) -> list[Refund]:
    """The latest refunds of the business with their credit notes and invoices (one query)."""
    return list(
        Refund.objects.filter(business=business)
        .select_related("credit_note__invoice", "credit_note__order").order_by("-received_on", "-id")[:limit]
    )
