"""Reads of the business core, shaped for the pages that show them (fixed query counts)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from .models import Address, Business, Group, GroupMembership, Member
from .tenancy import Role, member_group_roles, member_has_role


def member_list(*, business: Business, search: str = "") -> QuerySet[Member]:
    """Members with their user and group count, for the paginated Members page (optionally searched)."""
    members = Member.objects.for_business(business)
    search = search.strip()
    if search:
        members = members.filter(
            Q(user__email__icontains=search) | Q(user__first_name__icontains=search) | Q(user__last_name__icontains=search)
        )
    return (
        members
        .select_related("user")
        .annotate(group_count=Count("memberships__group", distinct=True))
        .order_by("-is_active", "user__first_name", "user__last_name", "user__email")
    )


def group_list(*, business: Business) -> QuerySet[Group]:
    """Groups with member counts, shipping address and parent, for the paginated Groups page."""
    return (
        Group.objects.for_business(business)
        .select_related("shipping_address", "parent")
        .annotate(member_count=Count("memberships__member", distinct=True))
        .order_by("name")
    )


def address_list(*, business: Business) -> QuerySet[Address]:
    return Address.objects.for_business(business).order_by("-is_active", "label")


@dataclass
class GroupMemberRow:
    member: Member
    memberships: list[GroupMembership] = field(default_factory=list)


def group_member_rows(*, group: Group) -> list[GroupMemberRow]:
    """One row per member of the group with every role they hold there (one query)."""
    rows: dict[int, GroupMemberRow] = {}
    memberships = (
        GroupMembership.objects.filter(group=group)
        .select_related("member__user")
        .order_by("member__user__first_name", "member__user__last_name", "member__user__email", "role")
    )
    for membership in memberships:
        rows.setdefault(membership.member_id, GroupMemberRow(member=membership.member)).memberships.append(membership)
    return list(rows.values())


def member_memberships(*, member: Member) -> list[GroupMembership]:
    return list(
        GroupMembership.objects.filter(member=member).select_related("group").order_by("group__name", "role")
    )


@dataclass
class AccountGroup:
    group: Group
    roles: list[str]


def account_groups(*, member: Member) -> list[AccountGroup]:
    """The member's groups with role labels, for Your Account for Business."""
    labels = dict(Role.choices)
    memberships = (
        GroupMembership.objects.filter(member=member).select_related("group").order_by("group__name", "role")
    )
    groups: dict[int, AccountGroup] = {}
    for m in memberships:
        groups.setdefault(m.group_id, AccountGroup(group=m.group, roles=[])).roles.append(labels[m.role])
    return list(groups.values())


def account_roles(*, member: Member) -> dict[str, bool]:
    """Which areas the member may open (business admins hold every role)."""
    return {
        "is_admin": member.is_business_admin,
        "is_buyer": member_has_role(member, Role.BUYER),
        "is_approver": member_has_role(member, Role.APPROVER),
        "is_finance": member_has_role(member, Role.FINANCE),
        "is_group_admin": member_has_role(member, Role.GROUP_ADMIN),
        "has_groups": member.is_business_admin or bool(member_group_roles(member)),
    }


@dataclass
class HistoryLine:
    when: datetime
    who: str
    what: str


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return "System"
    return user.get_full_name() or user.email


#: The group fields its history shows, in page order, with their labels.
GROUP_HISTORY_FIELDS = {
    "name": "Name", "cost_center": "Cost center", "location": "Location",
    "shipping_address": "Default shipping address", "parent": "Parent group",
    "approval_threshold": "Approval threshold", "po_pattern": "PO number pattern",
}


def _group_changes(records, *, addresses: dict, groups: dict) -> list[HistoryLine]:
    """Each historical row of a group against the one before, through `diff_against` (no query per row)."""
    order = list(GROUP_HISTORY_FIELDS)

    def show(field, value):
        if value is None or value == "":
            return "—"
        if field == "shipping_address":
            return getattr(addresses.get(value), "label", f"#{value}")
        if field == "parent":
            return getattr(groups.get(value), "name", f"#{value}")
        return str(value)

    lines, previous = [], None
    for record in records:  # oldest first
        if record.history_type == "+":
            what = f"Created the group “{record.name}”"
        elif previous is not None:
            delta = record.diff_against(previous, included_fields=order)
            changes = sorted(delta.changes, key=lambda change: order.index(change.field))
            what = "; ".join(
                f"{GROUP_HISTORY_FIELDS[c.field]}: “{show(c.field, c.old)}” → “{show(c.field, c.new)}”" for c in changes
            ) or "Saved without changes"
        else:
            what = "Changed the group"
        lines.append(HistoryLine(record.history_date, _who(record), what))
        previous = record
    return lines


def group_history(*, group: Group, limit: int = 15) -> list[HistoryLine]:
    """Recent changes to the group and its memberships: who, when, what (newest first)."""
    # The newest `limit` changes plus the one before them (to diff against), oldest first.
    group_records = list(
        group.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )[::-1]
    address_ids = {r.shipping_address_id for r in group_records if r.shipping_address_id}
    parent_ids = {r.parent_id for r in group_records if r.parent_id}
    addresses = Address.objects.filter(business_id=group.business_id).in_bulk(address_ids) if address_ids else {}
    groups = Group.objects.filter(business_id=group.business_id).in_bulk(parent_ids) if parent_ids else {}
    lines = _group_changes(group_records, addresses=addresses, groups=groups)
    if len(group_records) > limit:
        lines = lines[1:]  # that first one only served as the base of the diff
    labels = dict(Role.choices)
    membership_records = (
        GroupMembership.history.filter(group_id=group.pk)
        .filter(Q(history_type="+") | Q(history_type="-"))
        .select_related("history_user", "member__user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    for record in membership_records:
        verb = "Added" if record.history_type == "+" else "Removed"
        role = labels.get(record.role, record.role)
        name = record.member.name if record.member else "a former member"
        lines.append(HistoryLine(record.history_date, _who(record), f"{verb} {name} as {role}"))
    lines.sort(key=lambda line: line.when, reverse=True)
    return lines[:limit]
