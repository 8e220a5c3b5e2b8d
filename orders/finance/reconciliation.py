"""Month-end reconciliation: what was invoiced, what was paid, what is left to explain.

The balance is opening + invoiced − credited − paid + refunded = closing, where "credited" is the
credit notes (approved returns) issued in the month, "paid" is what payments received in the month
applied to invoices and "refunded" is the money suppliers paid back in the month against credit notes
on invoices already paid (orders.finance.refunds): a credit on a paid invoice takes the balance below
zero, the refund brings it back. Without refunds the formula is the issue's opening + invoiced −
credited − paid = closing. The difference finance drives to zero is the money received in the month
that is not applied to any invoice (unmatched payments and overpaid remainders); lines marked "not
ours" are kept but left out. Closing a month blocks every change to its payments until it is reopened;
both are recorded (MonthClose history: who, when).
"""

from __future__ import annotations

import calendar
import csv
import datetime
import io
import tempfile
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from procurement.formatting import format_money
from orders.models import CreditNote, Invoice, MonthClose, Payment, PaymentAllocation, Refund
from procurement.errors import InvalidInput
from procurement.history import model_update
from procurement.models import Business, Member
from procurement.money import ZERO, money_places
from procurement.spreadsheets import row_safe


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """First day of the month and first day of the next month."""
    start = datetime.date(year, month, 1)
    return start, start + datetime.timedelta(days=calendar.monthrange(year, month)[1])


def parse_month(value: str | None, default: datetime.date | None = None) -> tuple[int, int]:
    """'2026-03' → (2026, 3); anything else → the default (this month)."""
    try:
        year, month = (int(p) for p in (value or "").split("-")[:2])
        datetime.date(year, month, 1)
        if 2000 <= year <= 2100:
            return year, month
    except (TypeError, ValueError):
        pass
    default = default or timezone.localdate()
    return default.year, default.month


_q = money_places


def _money(qs, field="amount") -> Decimal:
    return _q(qs.aggregate(s=Coalesce(Sum(field), ZERO))["s"])


@dataclass
class MonthSummary:
    year: int
    month: int
    start: datetime.date
    end: datetime.date
    opening: Decimal
    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    closing: Decimal
    closing_check: Decimal
    invoices: dict
    payments: dict
    received: Decimal
    applied: Decimal
    difference: Decimal
    closed: bool
    close_events: list
    refunded: Decimal = ZERO
    refunds_n: int = 0

    @property
    def label(self) -> str:
        return self.start.strftime("%B %Y")

    @property
    def key(self) -> str:
        return f"{self.year:04}-{self.month:02}"

    @property
    def balances(self) -> bool:
        return self.closing == self.closing_check


def reconciliation_month(*, business: Business, year: int, month: int, today: datetime.date | None = None) -> MonthSummary:
    """Every figure of the month, aggregated in the database (a fixed number of queries)."""
    today = today or timezone.localdate()
    start, end = month_bounds(year, month)
    invoices = Invoice.objects.filter(business=business).exclude(status=Invoice.Status.VOID)
    allocations = PaymentAllocation.objects.filter(business=business).exclude(invoice__status=Invoice.Status.VOID)
    # Credit notes before, in and up to the end of the month, in one query.
    credits = {
        k: _q(v) for k, v in CreditNote.objects.filter(business=business, issued_on__lt=end)
        .exclude(invoice__status=Invoice.Status.VOID)
        .aggregate(before=Coalesce(Sum("total", filter=Q(issued_on__lt=start)), ZERO), upto_end=Coalesce(Sum("total"), ZERO))
        .items()
    }
    # Refunds before and in the month, in one query (those of void invoices' credit notes left out, like the notes).
    refunds = {
        k: (_q(v) if k != "n" else v) for k, v in Refund.objects.filter(business=business, received_on__lt=end)
        .exclude(credit_note__invoice__status=Invoice.Status.VOID)
        .aggregate(before=Coalesce(Sum("amount", filter=Q(received_on__lt=start)), ZERO), upto_end=Coalesce(Sum("amount"), ZERO),
                   n=Count("id", filter=Q(received_on__gte=start)))
        .items()
    }
    opening = (
        _money(invoices.filter(issued_on__lt=start), "total") - credits["before"]
        - _money(allocations.filter(payment__received_on__lt=start)) + refunds["before"]
    )
    credited = credits["upto_end"] - credits["before"]
    refunded = refunds["upto_end"] - refunds["before"]
    overdue_on = today  # overdue now: what finance must chase, whichever month it was issued in
    inv = invoices.filter(issued_on__gte=start, issued_on__lt=end).aggregate(
        issued_n=Count("id"), issued=Coalesce(Sum("total"), ZERO),
        paid_n=Count("id", filter=Q(status=Invoice.Status.PAID)),
        paid=Coalesce(Sum("total", filter=Q(status=Invoice.Status.PAID)), ZERO),
        partly_n=Count("id", filter=Q(status=Invoice.Status.PARTLY_PAID)),
        partly=Coalesce(Sum(F("total") - F("amount_credited") - F("amount_paid"), filter=Q(status=Invoice.Status.PARTLY_PAID)), ZERO),
        open_n=Count("id", filter=Q(status=Invoice.Status.OPEN)),
        open=Coalesce(Sum(F("total") - F("amount_credited"), filter=Q(status=Invoice.Status.OPEN)), ZERO),
        overdue_n=Count("id", filter=Q(due_on__lt=overdue_on) & ~Q(status=Invoice.Status.PAID)),
        overdue=Coalesce(Sum(F("total") - F("amount_credited") - F("amount_paid"), filter=Q(due_on__lt=overdue_on) & ~Q(status=Invoice.Status.PAID)), ZERO),
    )
    paid = _money(allocations.filter(payment__received_on__gte=start, payment__received_on__lt=end))
    closing_check = (
        _money(invoices.filter(issued_on__lt=end), "total") - credits["upto_end"]
        - _money(allocations.filter(payment__received_on__lt=end)) + refunds["upto_end"]
    )
    matched = Q(status=Payment.Status.MATCHED)
    pay = Payment.objects.filter(business=business, received_on__gte=start, received_on__lt=end).aggregate(
        all_n=Count("id"),
        matched_n=Count("id", filter=matched & Q(amount_applied=F("amount"))),
        matched=Coalesce(Sum("amount", filter=matched & Q(amount_applied=F("amount"))), ZERO),
        overpaid_n=Count("id", filter=matched & Q(amount_applied__lt=F("amount"))),
        overpaid=Coalesce(Sum(F("amount") - F("amount_applied"), filter=matched & Q(amount_applied__lt=F("amount"))), ZERO),
        unmatched_n=Count("id", filter=Q(status=Payment.Status.UNMATCHED)),
        unmatched=Coalesce(Sum("amount", filter=Q(status=Payment.Status.UNMATCHED)), ZERO),
        not_ours_n=Count("id", filter=Q(status=Payment.Status.NOT_OURS)),
        not_ours=Coalesce(Sum("amount", filter=Q(status=Payment.Status.NOT_OURS)), ZERO),
        received=Coalesce(Sum("amount", filter=~Q(status=Payment.Status.NOT_OURS)), ZERO),
        applied=Coalesce(Sum("amount_applied", filter=~Q(status=Payment.Status.NOT_OURS)), ZERO),
    )
    inv = {k: _q(v) for k, v in inv.items()}
    pay = {k: _q(v) for k, v in pay.items()}
    close = MonthClose.objects.filter(business=business, year=year, month=month).first()
    events = []
    if close is not None:
        events = list(
            close.history.select_related("history_user").order_by("-history_date", "-history_id").values(
                "closed", "history_date", "history_user__email", "history_user__first_name", "history_user__last_name"
            )[:20]
        )
    return MonthSummary(
        year=year, month=month, start=start, end=end, opening=opening, invoiced=inv["issued"], credited=credited,
        paid=paid, closing=opening + inv["issued"] - credited - paid + refunded, closing_check=closing_check, invoices=inv,
        payments=pay, received=pay["received"], applied=pay["applied"], difference=pay["received"] - pay["applied"],
        closed=bool(close and close.closed), close_events=events, refunded=refunded, refunds_n=refunds["n"],
    )


def month_invoices(*, business: Business, year: int, month: int):
    start, end = month_bounds(year, month)
    return (
        Invoice.objects.filter(business=business, issued_on__gte=start, issued_on__lt=end)
        .select_related("order")
        .order_by("issued_on", "id")
    )


def month_payments(*, business: Business, year: int, month: int):
    start, end = month_bounds(year, month)
    return (
        Payment.objects.filter(business=business, received_on__gte=start, received_on__lt=end)
        .select_related("resolved_by__user")
        .order_by("received_on", "id")
    )


def month_refunds(*, business: Business, year: int, month: int):
    start, end = month_bounds(year, month)
    return (
        Refund.objects.filter(business=business, received_on__gte=start, received_on__lt=end)
        .select_related("credit_note__order", "credit_note__invoice")
        .order_by("received_on", "id")
    )


@transaction.atomic
def month_close(*, business: Business, year: int, month: int, member: Member, acting_user) -> MonthClose:
    """Lock the month's matches: no payment of the month can be recorded, applied or resolved."""
    close = MonthClose.objects.select_for_update().filter(business=business, year=year, month=month).first()
    if close is None:
        close = MonthClose(business=business, year=year, month=month)
    model_update(instance=close, fields={"closed": True, "changed_by": member}, acting_user=acting_user)
    return close


@transaction.atomic
def month_reopen(*, business: Business, year: int, month: int, member: Member, acting_user) -> MonthClose:
    close = MonthClose.objects.select_for_update().filter(business=business, year=year, month=month, closed=True).first()
    if close is None:
        raise InvalidInput(f"{datetime.date(year, month, 1):%B %Y} is not closed.")
    model_update(instance=close, fields={"closed": False, "changed_by": member}, acting_user=acting_user)
    return close


# --- Exports ---------------------------------------------------------------------------------------


def _export_rows(*, business: Business, summary: MonthSummary):
    """The reconciliation as rows of cells, sections separated by blank rows (CSV and XLSX alike)."""
    s = summary
    yield ["Reconciliation", s.label]
    # The summary: the number (data, for formulas) and the same amount written for the reader (Babel).
    for label, value in (
        ("Opening balance", s.opening), ("Invoiced", s.invoiced), ("Credited", s.credited), ("Paid", s.paid), ("Refunded", s.refunded),
        ("Closing balance", s.closing),
        ("Received", s.received), ("Applied to invoices", s.applied), ("Difference", s.difference),
    ):
        yield [label, value, format_money(value, business)]
    yield ["Month closed", "yes" if s.closed else "no"]
    yield []
    yield ["Invoice number", "PO number", "Blanket PO", "Issued", "Due", "Total", "Credited", "Paid", "Balance due", "Status"]
    for inv in month_invoices(business=business, year=s.year, month=s.month).iterator(chunk_size=2000):
        yield [inv.number, inv.order.po_number, inv.order.blanket_po_number, inv.issued_on, inv.due_on,
               inv.total, inv.amount_credited, inv.amount_paid, inv.balance_due, inv.get_status_display()]
    yield []
    yield ["Payment date", "Amount", "Applied", "Unapplied", "Method", "Reference", "PO number", "Invoice number",
           "Status", "Resolved by", "Resolved at"]
    for p in month_payments(business=business, year=s.year, month=s.month).iterator(chunk_size=2000):
        yield [p.received_on, p.amount, p.amount_applied, p.unapplied, p.method, p.reference, p.po_number,
               p.invoice_number, "Overpaid" if p.is_overpaid else p.get_status_display(),
               p.resolved_by.name if p.resolved_by else "",
               timezone.localtime(p.resolved_at).strftime("%Y-%m-%d %H:%M") if p.resolved_at else ""]
    yield []
    yield ["Refund date", "Amount", "Credit note", "PO number", "Invoice number", "Method", "Reference"]
    for r in month_refunds(business=business, year=s.year, month=s.month).iterator(chunk_size=2000):
        yield [r.received_on, r.amount, r.credit_note.number, r.credit_note.order.po_number, r.credit_note.invoice.number,
               r.method, r.reference]


def reconciliation_csv(*, business: Business, summary: MonthSummary) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _export_rows(business=business, summary=summary):
        writer.writerow(row_safe(row))
    return out.getvalue()


def reconciliation_xlsx(*, business: Business, summary: MonthSummary):
    """An XLSX file (open temporary file, positioned at the start) with the same rows as the CSV."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=summary.key)
    for row in _export_rows(business=business, summary=summary):
        sheet.append(row_safe(row))  # openpyxl writes Decimal as a number, exactly
    tmp = tempfile.TemporaryFile()
    workbook.save(tmp)
    tmp.seek(0)
    return tmp
