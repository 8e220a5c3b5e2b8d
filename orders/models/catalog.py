"""The operator's catalog (not tenant data: every business sees it) and each member's cart."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from procurement.models import Business, Member, TenantQuerySet
from procurement.money import CENT, UNIT_PRICE


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(
        max_length=20, unique=True, help_text="Short code for the {category} token of PO numbers, e.g. OFFICE."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Product(models.Model):
    sku = models.CharField("SKU", max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    unit_price = models.DecimalField(**UNIT_PRICE, validators=[MinValueValidator(CENT)])
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(unit_price__gt=0), name="product_price_positive")]
        indexes = [models.Index(fields=["active", "name"])]

    def __str__(self):
        return f"{self.sku} · {self.name}"


class CartItem(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="cart_items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    added_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "product", "business"], name="cart_one_row_per_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_quantity_positive"),
        ]
