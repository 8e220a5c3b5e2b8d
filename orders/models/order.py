"""Orders: each one a purchase with its own PO number, optionally a release against a Blanket PO."""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Upper
from simple_history.models import HistoricalRecords

from procurement.models import Address, Business, Group, Member, TenantQuerySet
from procurement.money import MONEY, UNIT_PRICE, ZERO


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", "Pending approval"
        PLACED = "placed", "Placed"
        PARTLY_SHIPPED = "partly_shipped", "Partly shipped"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"
        REJECTED = "rejected", "Rejected"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="orders")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="orders")
    po_number = models.CharField("PO number", max_length=64)
    budget = models.ForeignKey("budgets.Budget", null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    blanket_po_number = models.CharField("blanket PO number", max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED)
    over_budget = models.BooleanField(default=False, help_text="Placed past the budget limit under a 'warn' policy.")
    needs_approval_reason = models.CharField(max_length=255, blank=True)
    subtotal = models.DecimalField(**MONEY, default=ZERO)
    total = models.DecimalField(**MONEY, default=ZERO)
    currency = models.CharField(max_length=3, default="USD")
    # Where it ships: the address row and a snapshot (addresses may change later; the order must not).
    shipping_address = models.ForeignKey(Address, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ship_to = models.TextField("ship to", help_text="Snapshot of the shipping address at checkout, one line each.")
    # One-time token from the checkout form: a second submit of the same form finds this order.
    checkout_token = models.UUIDField(null=True, blank=True, editable=False)
    placed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rejection_reason = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True, help_text="When the last shipment's receipt was recorded.")
    # Raised by every service that changes what the order page caches (orders.pagecache): the cache key.
    version = models.PositiveBigIntegerField(default=0, editable=False)

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            # Case-insensitive: look-ups (Find, the bank statement matcher) ignore case, so PO-1 and po-1
            # would be the same order to them.
            models.UniqueConstraint(Lower("po_number"), "business", name="order_po_number_unique_per_business_ci"),
            models.UniqueConstraint(
                fields=["business", "checkout_token"], name="order_checkout_token_once",
                condition=Q(checkout_token__isnull=False),
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_non_negative"),
        ]
        indexes = [
            models.Index(fields=["business", "status", "placed_at"]),
            models.Index(fields=["business", "group", "placed_at"]),
            models.Index(fields=["business", "buyer", "placed_at"]),
            models.Index(fields=["po_number"]),
            # Your Orders, newest first, by keyset (orders.tracking.selectors.order_keyset_page).
            models.Index(fields=["business", "-placed_at", "-id"], name="order_business_newest_idx"),
            # Find by PO number ignores case: WHERE business_id = ... AND UPPER(po_number) = UPPER(...).
            models.Index(F("business"), Upper("po_number"), name="order_business_po_upper_idx"),
        ]

    def __str__(self):
        return self.po_number

    @property
    def ship_to_lines(self):
        return [line for line in self.ship_to.splitlines() if line.strip()]

    def shipments_all_received(self) -> bool:
        """It has shipped something and every shipment has its receipt (two queries, no lock)."""
        shipments = self.shipments.all()
        return shipments.exists() and not shipments.filter(receipt__isnull=True).exists()

    @property
    def information(self) -> list:
        """The order information fields entered at checkout (OrderFieldValue snapshots, in position
        order); `prefetch_related("field_values")` makes it free on lists."""
        return list(self.field_values.all())


class OrderLine(models.Model):
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey("orders.Product", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField("SKU", max_length=40)
    description = models.CharField(max_length=200)
    category_code = models.CharField(max_length=20, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**UNIT_PRICE)
    amount = models.DecimalField(**MONEY)
    quantity_shipped = models.PositiveIntegerField(default=0)
    quantity_cancelled = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_shipped__lte=models.F("quantity") - models.F("quantity_cancelled")),
                name="orderline_never_overshipped",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku}"

    @property
    def quantity_open(self) -> int:
        return self.quantity - self.quantity_shipped - self.quantity_cancelled


class Approval(models.Model):
    """An approver's decision on a pending order."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    #: The level decided (empty on decisions recorded before approval workflows).
    step = models.ForeignKey("orders.OrderApprovalStep", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="decisions")
    #: Set when a delegate decided for an approver who is away.
    on_behalf_of = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at"]
