"""Factories of the orders app."""

import datetime
from decimal import Decimal
import factory
from django.utils import timezone
from orders.models import (
    CartItem, Category, Invoice, InvoiceLine, Order, OrderLine, Payment, Product, Shipment, ShipmentLine,
)
from tests.factories.procurement import BusinessFactory, GroupFactory, MemberFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Category {n}")
    code = factory.Sequence(lambda n: f"CAT{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    unit_price = Decimal("10.00")


class CartItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartItem

    member = factory.SubFactory(MemberFactory)
    business = factory.SelfAttribute("member.business")
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class OrderFactory(factory.django.DjangoModelFactory):
    """An order row as checkout would leave it; lines via OrderLineFactory (totals are the caller's)."""

    class Meta:
        model = Order

    group = factory.SubFactory(GroupFactory)
    business = factory.SelfAttribute("group.business")
    buyer = factory.SubFactory(MemberFactory, business=factory.SelfAttribute("..group.business"))
    po_number = factory.Sequence(lambda n: f"PO-2026-{n + 1:06}")
    ship_to = "Receiving dock\n1 Main Street\nSpringfield, IL 62701"
    status = Order.Status.PLACED


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    business = factory.SelfAttribute("order.business")
    product = factory.SubFactory(ProductFactory)
    sku = factory.SelfAttribute("product.sku")
    description = factory.SelfAttribute("product.name")
    quantity = 2
    unit_price = factory.SelfAttribute("product.unit_price")
    amount = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    order = factory.SubFactory(OrderFactory)
    business = factory.SelfAttribute("order.business")
    carrier = "UPS"
    tracking_number = factory.Sequence(lambda n: f"1Z999AA1{n:010}")
    ship_date = factory.LazyFunction(timezone.localdate)


class ShipmentLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShipmentLine

    shipment = factory.SubFactory(ShipmentFactory)
    business = factory.SelfAttribute("shipment.business")
    order_line = factory.SubFactory(OrderLineFactory, order=factory.SelfAttribute("..shipment.order"))
    quantity = 1


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    shipment = factory.SubFactory(ShipmentFactory)
    order = factory.SelfAttribute("shipment.order")
    business = factory.SelfAttribute("shipment.business")
    number = factory.Sequence(lambda n: f"INV-2026-{n + 1:06}")
    issued_on = factory.LazyFunction(timezone.localdate)
    due_on = factory.LazyAttribute(lambda o: o.issued_on + datetime.timedelta(days=30))
    subtotal = Decimal("100.00")
    total = Decimal("100.00")


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    business = factory.SelfAttribute("invoice.business")
    order_line = factory.SubFactory(OrderLineFactory, order=factory.SelfAttribute("..invoice.order"))
    sku = factory.SelfAttribute("order_line.sku")
    description = factory.SelfAttribute("order_line.description")
    quantity = 1
    unit_price = factory.SelfAttribute("order_line.unit_price")
    amount = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    business = factory.SubFactory(BusinessFactory)
    received_on = factory.LazyFunction(timezone.localdate)
    amount = Decimal("100.00")
    method = "ACH"
    reference = "ACH payment"

__all__ = ["CategoryFactory", "ProductFactory", "CartItemFactory", "OrderFactory", "OrderLineFactory", "ShipmentFactory", "ShipmentLineFactory", "InvoiceFactory", "InvoiceLineFactory", "PaymentFactory"]
