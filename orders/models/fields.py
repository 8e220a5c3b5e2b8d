"""Order information fields (Amazon's "business order information"): GL code, project code, ...

A business admin defines the fields (`OrderField`, with `OrderFieldChoice` rows for choice lists); a
buyer fills them at checkout. The values are stored per order as `OrderFieldValue` rows that snapshot
the field's name (and the choice's label) at checkout, so editing or deactivating a definition never
changes a past order.

Why rows and not a JSON snapshot on Order: the orders report filters by a field's value, and a plain
(business, field, value, order) b-tree index answers "orders whose GL code is 6100" on SQLite and
PostgreSQL alike, as an index-only semi-join, without a JSON/GIN index per database.
"""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from procurement.models import Business, Group, TenantQuerySet

#: The longest value a buyer may type (text) or a choice may hold.
VALUE_MAX_LENGTH = 200
CHOICE_VALUE_MAX_LENGTH = 100


class OrderField(models.Model):
    class Type(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        CHOICE = "choice", "Choice from a list"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    help_text = models.CharField("hint for buyers", max_length=200, blank=True)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.TEXT)
    required = models.BooleanField(default=False)
    groups = models.ManyToManyField(
        Group, through="OrderFieldGroup", blank=True, related_name="+",
        help_text="Leave empty to ask every group.",
    )
    min_value = models.DecimalField("smallest number", max_digits=18, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField("largest number", max_digits=18, decimal_places=4, null=True, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0, help_text="Fields show in this order (smallest first).")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "business", name="orderfield_name_unique_per_business_ci"),
        ]
        indexes = [models.Index(fields=["business", "active", "position"], name="orderfield_active_idx")]

    def __str__(self):
        return self.name


class OrderFieldGroup(models.Model):
    """A group a field applies to (the M2M rows carry the business like every tenant table)."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    field = models.ForeignKey(OrderField, on_delete=models.CASCADE, related_name="group_links")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "field", "group"], name="orderfieldgroup_unique"),
        ]


class OrderFieldChoice(models.Model):
    """One value of a choice field; a field may have thousands (searched, never listed whole)."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    field = models.ForeignKey(OrderField, on_delete=models.CASCADE, related_name="choices")
    value = models.CharField(max_length=CHOICE_VALUE_MAX_LENGTH)
    label = models.CharField(max_length=200, blank=True, help_text="What the code means, e.g. “Office supplies”.")
    active = models.BooleanField(default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["value"]
        constraints = [
            models.UniqueConstraint(fields=["business", "field", "value"], name="orderfieldchoice_value_unique"),
        ]
        indexes = [models.Index(fields=["business", "field", "active", "value"], name="orderfieldchoice_search_idx")]

    def __str__(self):
        return f"{self.value} · {self.label}" if self.label else self.value


class OrderFieldValue(models.Model):
    """What the buyer entered for one field of one order: a snapshot, never edited afterwards."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="field_values")
    field = models.ForeignKey(OrderField, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=100, help_text="The field's name at checkout.")
    value = models.CharField(max_length=VALUE_MAX_LENGTH)
    label = models.CharField(max_length=200, blank=True, help_text="The choice's label at checkout.")
    position = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "order", "name"], name="orderfieldvalue_once_per_order"),
            models.CheckConstraint(condition=~Q(value=""), name="orderfieldvalue_not_empty"),
        ]
        indexes = [
            # The orders report's field filter: WHERE business_id = ? AND field_id = ? AND value = ?,
            # the order ids read from the index itself.
            models.Index(fields=["business", "field", "value", "order"], name="orderfieldvalue_filter_idx"),
        ]

    def __str__(self):
        return f"{self.name}: {self.display}"

    @property
    def display(self) -> str:
        return f"{self.value} · {self.label}" if self.label else self.value
