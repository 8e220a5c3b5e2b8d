"""Payments from the business, their matching to invoices, statement imports and month closes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from procurement.models import Business, Member, TenantQuerySet
from procurement.money import MONEY, ZERO


class StatementImport(models.Model):
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    rows = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at"]


class Payment(models.Model):
    class Status(models.TextChoices):
        UNMATCHED = "unmatched", "Unmatched"
        MATCHED = "matched", "Matched"
        NOT_OURS = "not_ours", "Not ours"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField("date", db_index=True)
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=30, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    po_number = models.CharField("PO number", max_length=64, blank=True, db_index=True)
    invoice_number = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNMATCHED)
    # Sum of this payment's allocations, kept on the row in the same transaction; the rest is credit.
    amount_applied = models.DecimalField(**MONEY, default=ZERO, editable=False)
    # Who resolved an unmatched payment by hand (chose an invoice or PO, or marked it not ours), and when.
    resolved_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=255, blank=True)
    # Recorded when finance confirmed paying an invoice that is in three-way mismatch: why they paid anyway.
    mismatch_reason = models.CharField("reason for paying despite a mismatch", max_length=255, blank=True)
    statement_import = models.ForeignKey(StatementImport, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    fingerprint = models.CharField(max_length=64, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_applied__gte=0) & Q(amount_applied__lte=models.F("amount")),
                name="payment_never_over_applied",
            ),
            models.UniqueConstraint(
                fields=["business", "fingerprint"], name="payment_import_row_once",
                condition=Q(fingerprint__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.received_on} {self.amount} {self.reference}"

    @property
    def unapplied(self):
        """Received but not applied to any invoice: a credit when the payment is matched."""
        return self.amount - self.amount_applied

    @property
    def is_overpaid(self) -> bool:
        return self.status == self.Status.MATCHED and self.amount_applied < self.amount


class PaymentAllocation(models.Model):
    """The part of a payment applied to one invoice."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey("orders.Invoice", on_delete=models.PROTECT, related_name="payment_allocations")
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_allocation_positive")]


class Refund(models.Model):
    """Money the supplier paid back against a credit note (a credit on an invoice that was already paid).

    Matched to its credit note when recorded (orders.finance.refunds); never deleted. The credit note's
    and the invoice's ``amount_refunded`` are kept in the same transaction, under their CHECKs.
    """

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    credit_note = models.ForeignKey("orders.CreditNote", on_delete=models.PROTECT, related_name="refunds")
    received_on = models.DateField("date", db_index=True)
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=30, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]
        indexes = [models.Index(fields=["business", "received_on"])]

    def __str__(self):
        return f"{self.received_on} refund {self.amount} {self.reference}"


class MonthClose(models.Model):
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    month = models.PositiveSmallIntegerField()
    closed = models.BooleanField(default=True)
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")

    objects = TenantQuerySet.as_manager()
    # Every close and reopen is a history row: who, when, closed or not.
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "year", "month"], name="month_close_once"),
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="month_close_valid_month"),
        ]
