"""Demo and benchmark data for the business core. Idempotent: a second run adds nothing twice.

`seed_acme` builds the demo business everyone logs in to; `seed_bulk` makes many businesses with
members and groups quickly (bulk inserts, one precomputed password hash) for benchmarks.
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import Address, Business, Group, GroupMembership, Member, User

Role = GroupMembership.Role

DEMO_PASSWORD = "demo"  # nosec B105  # demo data only; set directly, bypassing the password validators on purpose
DEMO_DOMAIN = "acme.example"
ACME_NAME = "Acme Corporation"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    what: str


DEMO_LOGINS = [
    DemoLogin(f"alice@{DEMO_DOMAIN}", "business admin (Business Settings, every role)"),
    DemoLogin(f"bob@{DEMO_DOMAIN}", "buyer (Engineering, Marketing)"),
    DemoLogin(f"carol@{DEMO_DOMAIN}", "approver (Engineering, Marketing)"),
    DemoLogin(f"dan@{DEMO_DOMAIN}", "finance (all groups)"),
    DemoLogin(f"staff@{DEMO_DOMAIN}", "staff: Django admin at /admin/"),
]

ADDRESSES = [
    # label, recipient, line1, city, region, postal code
    ("Seattle HQ", "Receiving, Engineering", "410 Terry Ave N", "Seattle", "WA", "98109"),
    ("New York office", "Front desk, Marketing", "350 5th Ave, Floor 21", "New York", "NY", "10118"),
    ("Chicago facility", "Loading dock B", "233 S Wacker Dr", "Chicago", "IL", "60606"),
]
GROUPS = [
    # name, cost center, location, address label
    ("Engineering", "CC-100", "Seattle", "Seattle HQ"),
    ("Marketing", "CC-200", "New York", "New York office"),
    ("Facilities", "CC-300", "Chicago", "Chicago facility"),
]
PEOPLE = [
    # local part, first, last, business admin, {group: [roles]}
    ("alice", "Alice", "Anderson", True, {"Engineering": [Role.GROUP_ADMIN]}),
    ("bob", "Bob", "Baker", False, {"Engineering": [Role.BUYER], "Marketing": [Role.BUYER]}),
    ("carol", "Carol", "Chen", False, {"Engineering": [Role.APPROVER], "Marketing": [Role.APPROVER]}),
    ("dan", "Dan", "Diaz", False, {"Engineering": [Role.FINANCE], "Marketing": [Role.FINANCE], "Facilities": [Role.FINANCE]}),
]


def _out(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _demo_user(email: str, **fields) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    user = User(email=email, **fields)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user, True


@transaction.atomic
def seed_acme(*, stdout=None) -> Business:
    """Acme Corporation with addresses, groups, members in every role, and a staff login."""
    business = Business.objects.filter(name=ACME_NAME).first()
    if business is None:
        business = Business.objects.create(
            name=ACME_NAME, address_line1="410 Terry Ave N", city="Seattle", region="WA",
            postal_code="98109", country="United States", currency="USD",
        )
        _out(stdout, f"Created business {ACME_NAME}")
    addresses = {}
    for label, recipient, line1, city, region, postal in ADDRESSES:
        addresses[label], _ = Address.objects.get_or_create(
            business=business, label=label,
            defaults=dict(recipient=recipient, line1=line1, city=city, region=region, postal_code=postal),
        )
    groups = {}
    for name, cost_center, location, address_label in GROUPS:
        groups[name], _ = Group.objects.get_or_create(
            business=business, name=name,
            defaults=dict(cost_center=cost_center, location=location, shipping_address=addresses[address_label]),
        )
    for local, first, last, is_admin, roles in PEOPLE:
        user, _ = _demo_user(f"{local}@{DEMO_DOMAIN}", first_name=first, last_name=last)
        member, _ = Member.objects.get_or_create(
            user=user, defaults=dict(business=business, is_business_admin=is_admin)
        )
        for group_name, group_roles in roles.items():
            for role in group_roles:
                GroupMembership.objects.get_or_create(
                    group=groups[group_name], member=member, role=role, defaults={"business": business}
                )
    _demo_user(f"staff@{DEMO_DOMAIN}", first_name="Sam", last_name="Staff", is_staff=True, is_superuser=True)
    return business


@transaction.atomic
def seed_bulk(*, businesses: int, members_per_business: int, stdout=None) -> int:
    """`businesses` extra businesses ("Bench Co 00001", ...) each with three groups, an address and
    `members_per_business` members (the first one admin), all by bulk inserts. Returns how many
    businesses were created (existing ones are left alone)."""
    names = [f"Bench Co {i:05}" for i in range(1, businesses + 1)]
    existing = set(Business.objects.filter(name__in=names).values_list("name", flat=True))
    todo = [name for name in names if name not in existing]
    if not todo:
        return 0
    password_hash = make_password(DEMO_PASSWORD)  # once, not per user
    new_businesses = Business.objects.bulk_create(
        [Business(name=name, address_line1="1 Bench Street", city="Springfield", region="IL", postal_code="62701")
         for name in todo]
    )
    addresses = Address.objects.bulk_create(
        [Address(business=b, label="Main office", line1="1 Bench Street", city="Springfield", region="IL", postal_code="62701")
         for b in new_businesses]
    )
    groups = Group.objects.bulk_create(
        [Group(business=b, name=name, cost_center=f"CC-{k}00", location="Springfield", shipping_address=a)
         for b, a in zip(new_businesses, addresses)
         for k, name in enumerate(["Engineering", "Marketing", "Facilities"], start=1)]
    )
    users = User.objects.bulk_create(
        [User(email=f"m{j:04}@{b.name.lower().replace(' ', '-')}.example", first_name="Member", last_name=f"{j:04}",
              password=password_hash)
         for b in new_businesses for j in range(1, members_per_business + 1)]
    )
    members = Member.objects.bulk_create(
        [Member(business=b, user=users[i * members_per_business + j], is_business_admin=(j == 0))
         for i, b in enumerate(new_businesses) for j in range(members_per_business)]
    )
    roles = [Role.BUYER, Role.BUYER, Role.APPROVER, Role.FINANCE]
    memberships = []
    for i, b in enumerate(new_businesses):
        business_groups = groups[i * 3:(i + 1) * 3]
        for j in range(members_per_business):
            member = members[i * members_per_business + j]
            memberships.append(GroupMembership(
                business=b, group=business_groups[j % 3], member=member, role=roles[j % len(roles)]
            ))
    GroupMembership.objects.bulk_create(memberships, batch_size=2000)
    _out(stdout, f"Created {len(new_businesses)} businesses with {len(members)} members")
    return len(new_businesses)
