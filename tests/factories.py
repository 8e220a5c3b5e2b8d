"""factory-boy factories for every model; tests build data through these."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from budgets.models import Allocation, Budget
from orders.models import (
    CartItem, Category, Invoice, InvoiceLine, Order, OrderLine, Payment, Product, Shipment, ShipmentLine,
)
from procurement.models import Address, Business, Group, GroupMembership, Member, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    name = factory.Sequence(lambda n: f"Business {n}")
    address_line1 = "1 Main Street"
    city = "Springfield"
    region = "IL"
    postal_code = "62701"
    country = "United States"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    business = factory.SubFactory(BusinessFactory)
    user = factory.SubFactory(UserFactory)


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    business = factory.SubFactory(BusinessFactory)
    label = factory.Sequence(lambda n: f"Site {n}")
    recipient = "Receiving dock"
    line1 = factory.Sequence(lambda n: f"{n + 10} Warehouse Road")
    city = "Springfield"
    region = "IL"
    postal_code = "62702"


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    cost_center = factory.Sequence(lambda n: f"CC{n:03}")
    location = "HQ"
    shipping_address = factory.SubFactory(AddressFactory, business=factory.SelfAttribute("..business"))


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(GroupFactory)
    business = factory.SelfAttribute("group.business")
    member = factory.SubFactory(MemberFactory, business=factory.SelfAttribute("..group.business"))
    role = GroupMembership.Role.BUYER


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Budget

    group = factory.SubFactory(GroupFactory)
    business = factory.SelfAttribute("group.business")
    name = factory.Sequence(lambda n: f"Budget {n}")
    po_number = factory.Sequence(lambda n: f"BPO-{n:05}")
    amount = Decimal("1000.00")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=335))
    policy = Budget.Policy.BLOCK


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    budget = factory.SubFactory(BudgetFactory)
    business = factory.SelfAttribute("budget.business")
    member = factory.SubFactory(MemberFactory, business=factory.SelfAttribute("..budget.business"))
    amount = Decimal("100.00")


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
