"""Shipments: staff send (part of) an order with a carrier and tracking number."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from procurement.models import Business, TenantQuerySet


class Shipment(models.Model):
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(max_length=50)
    tracking_number = models.CharField(max_length=64, db_index=True)
    ship_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["ship_date", "id"]

    def __str__(self):
        return f"{self.carrier} {self.tracking_number}"


class ShipmentLine(models.Model):
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["shipment", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipmentline_quantity_positive"),
            models.UniqueConstraint(fields=["shipment", "order_line", "business"], name="shipmentline_once_per_line"),
        ]
