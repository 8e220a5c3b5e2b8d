"""Returns of received items and the credit notes that approve them.

A return names the receipt line it comes from; the receipt line's ``quantity_returned`` counts every
return requested or approved, and its CHECK (returned ≤ received) makes returning twice, or more than
arrived, impossible at the database. A credit note belongs to one approved return (one-to-one: never
two credit notes for one return) and credits the invoice of the shipment the items came with.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from procurement.models import Business, Member, TenantQuerySet

MONEY = dict(max_digits=14, decimal_places=2)


class ReturnRequest(models.Model):
    class Reason(models.TextChoices):
        DAMAGED = "damaged", "Damaged"
        WRONG_ITEM = "wrong_item", "Wrong item"
        NOT_NEEDED = "not_needed", "No longer needed"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="returns")
    receipt_line = models.ForeignKey("orders.ReceiptLine", on_delete=models.PROTECT, related_name="returns")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="returns")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reason_text = models.CharField("reason (other)", max_length=255, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=255, blank=True)

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_quantity_positive"),
            models.CheckConstraint(condition=~Q(reason="other") | ~Q(reason_text=""), name="return_other_reason_has_text"),
        ]
        indexes = [models.Index(fields=["business", "status"])]

    def __str__(self):
        return f"Return of {self.quantity} × {self.order_line.sku} ({self.order})"

    @property
    def reason_display(self) -> str:
        if self.reason == self.Reason.OTHER:
            return f"Other: {self.reason_text}"
        return self.get_reason_display()


class CreditNote(models.Model):
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="credit_notes")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="credit_notes")
    invoice = models.ForeignKey("orders.Invoice", on_delete=models.PROTECT, related_name="credit_notes")
    return_request = models.OneToOneField(ReturnRequest, on_delete=models.PROTECT, related_name="credit_note")
    number = models.CharField("credit note number", max_length=64)
    issued_on = models.DateField(db_index=True)
    subtotal = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=3, default=Decimal("0"))
    tax = models.DecimalField(**MONEY, default=Decimal("0.00"))
    total = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="USD")
    # Sum of the refunds received against it (orders.finance.refunds), kept on the row in their transaction.
    amount_refunded = models.DecimalField(**MONEY, default=Decimal("0.00"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "number"], name="credit_note_number_unique_per_business"),
            models.CheckConstraint(condition=Q(total__gt=0), name="credit_note_total_positive"),
            # Two refunds racing for one credit note: the second one past its total fails here.
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=models.F("total")),
                name="credit_note_never_over_refunded",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def refund_outstanding(self) -> Decimal:
        """The credited amount not yet refunded (a refund is only owed where the invoice was overpaid)."""
        return self.total - self.amount_refunded


class CreditNoteLine(models.Model):
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField("SKU", max_length=40)
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(**MONEY)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["credit_note", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="creditnoteline_quantity_positive")]
