"""Receipts: the buyer (or a group's receiver) records what arrived of each shipment.

One receipt per shipment; correcting it updates the same rows, and django-simple-history keeps every
earlier version (who, when, old and new quantities). Each receipt line copies the shipped quantity so
that the database itself refuses a receipt of more than was shipped, and a return of more than was
received (``quantity_returned`` counts returns requested or approved, never refused ones).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from procurement.models import Business, Member, TenantQuerySet


class Receipt(models.Model):
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="receipts")
    shipment = models.OneToOneField("orders.Shipment", on_delete=models.PROTECT, related_name="receipt")
    received_on = models.DateField("date received")
    note = models.TextField(blank=True)
    received_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self):
        return f"Receipt of {self.shipment} on {self.received_on}"


class ReceiptLine(models.Model):
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="lines")
    shipment_line = models.OneToOneField("orders.ShipmentLine", on_delete=models.PROTECT, related_name="receipt_line")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="receipt_lines")
    quantity_shipped = models.PositiveIntegerField(help_text="Copied from the shipment line.")
    quantity_received = models.PositiveIntegerField(default=0, help_text="Arrived, damaged ones included.")
    quantity_damaged = models.PositiveIntegerField(default=0)
    quantity_missing = models.PositiveIntegerField(default=0)
    quantity_returned = models.PositiveIntegerField(default=0, help_text="Returns requested or approved.")
    note = models.CharField(max_length=255, blank=True)

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["receipt", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_received__lte=F("quantity_shipped")), name="receiptline_received_le_shipped"),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity_shipped") - F("quantity_missing")),
                name="receiptline_received_plus_missing_le_shipped",
            ),
            models.CheckConstraint(condition=Q(quantity_damaged__lte=F("quantity_received")), name="receiptline_damaged_le_received"),
            models.CheckConstraint(condition=Q(quantity_returned__lte=F("quantity_received")), name="receiptline_returned_le_received"),
        ]

    def __str__(self):
        return f"{self.quantity_received}/{self.quantity_shipped} × {self.order_line.sku}"

    @property
    def returnable(self) -> int:
        return self.quantity_received - self.quantity_returned
