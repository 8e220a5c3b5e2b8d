"""Factories of the procurement app: users, businesses, members, addresses, groups."""

import factory
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

__all__ = ["PASSWORD", "UserFactory", "BusinessFactory", "MemberFactory", "AddressFactory", "GroupFactory", "GroupMembershipFactory"]
