from procurement.models import GroupMembership
from tests.factories import AddressFactory, GroupFactory, GroupMembershipFactory, MemberFactory
from tests.support.isolation import builder


@builder("group_id")
def _group(world):
    if not hasattr(world, "group"):
        world.group = GroupFactory(business=world.business)
    return world.group.pk


@builder("member_id")
def _member(world):
    world.member = MemberFactory(business=world.business)
    return world.member.pk


@builder("address_id")
def _address(world):
    world.address = AddressFactory(business=world.business)
    return world.address.pk


@builder("membership_id")
def _membership(world):
    _group(world)
    world.membership = GroupMembershipFactory(group=world.group, role=GroupMembership.Role.BUYER)
    return world.membership.pk
