"""Invoices: one per shipment, numbered per business without gaps."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from procurement.models import Business, TenantQuerySet
from procurement.money import MONEY, UNIT_PRICE, ZERO


class Invoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PARTLY_PAID = "partly_paid", "Partly paid"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="invoices")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="invoices")
    shipment = models.OneToOneField("orders.Shipment", on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField("invoice number", max_length=64)
    issued_on = models.DateField(db_index=True)
    due_on = models.DateField()
    subtotal = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=3, default=Decimal("0"))
    tax = models.DecimalField(**MONEY, default=ZERO)
    total = models.DecimalField(**MONEY)
    amount_paid = models.DecimalField(**MONEY, default=ZERO)
    # Sum of the credit notes issued against this invoice (returns), kept on the row in their transaction.
    amount_credited = models.DecimalField(**MONEY, default=ZERO)
    # Sum of the refunds received against its credit notes (money back for a credit on a paid invoice).
    amount_refunded = models.DecimalField(**MONEY, default=ZERO)
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=255, blank=True)

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "number"], name="invoice_number_unique_per_business"),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_non_negative"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="invoice_amount_paid_non_negative"),
            # Money past the total stays on the payment as a credit, never on the invoice.
            models.CheckConstraint(condition=Q(amount_paid__lte=models.F("total")), name="invoice_never_overpaid"),
            models.CheckConstraint(
                condition=Q(amount_credited__gte=0) & Q(amount_credited__lte=models.F("total")),
                name="invoice_never_overcredited",
            ),
            # A refund only gives back what was overpaid once the credit notes came: the balance due
            # (total − credited − paid + refunded) never climbs above zero again through a refund.
            models.CheckConstraint(
                condition=Q(amount_refunded=0)
                | (Q(amount_refunded__gt=0)
                   & Q(amount_refunded__lte=models.F("amount_paid") + models.F("amount_credited") - models.F("total"))),
                name="invoice_refund_within_overpayment",
            ),
        ]
        indexes = [models.Index(fields=["business", "status", "issued_on"]), models.Index(fields=["number"])]

    def __str__(self):
        return self.number

    @property
    def amount_due(self) -> Decimal:
        """The total net of its credit notes: what the business owes on this invoice."""
        return self.total - self.amount_credited

    @property
    def balance_due(self) -> Decimal:
        """Still to pay: total − credited − paid + refunded (negative: paid more than is now due, a refund is owed)."""
        if self.status == self.Status.VOID:
            return ZERO
        return self.total - self.amount_credited - self.amount_paid + self.amount_refunded

    @property
    def refund_owed(self) -> Decimal:
        """What the supplier still owes back on this invoice (its credit notes exceed what was left to pay)."""
        return max(ZERO, -self.balance_due)

    @property
    def is_void(self) -> bool:
        return self.status == self.Status.VOID


class InvoiceLine(models.Model):
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField("SKU", max_length=40)
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**UNIT_PRICE)
    amount = models.DecimalField(**MONEY)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="invoiceline_quantity_positive"),
        ]


class InvoicePdf(models.Model):
    """The rendered PDF of an invoice, served again while nothing it shows has changed.

    `content_hash` is orders.documents.rendering.pdf_content_key of the HTML the PDF was made from: the
    invoice, order, business and shipment data as shown (status, amounts paid, credited and refunded,
    void stamp included), the stylesheets and WeasyPrint's version. A read that computes another key
    renders again and replaces the row; no write elsewhere needs to know about this table.
    """

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+")
    content_hash = models.CharField(max_length=64)
    pdf = models.BinaryField()
    rendered_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "invoice"], name="invoice_pdf_one_per_invoice"),
        ]

    def __str__(self):
        return f"PDF of invoice {self.invoice_id}"
