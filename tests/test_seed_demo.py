"""seed_demo: the demo business and its logins; a second run adds nothing twice."""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from procurement.models import Business, Group, GroupMembership, Member, User
from procurement.tenancy import member_has_role

pytestmark = pytest.mark.django_db
Role = GroupMembership.Role


def _row_counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.app_label != "sessions"}


def test_seed_demo_creates_acme_with_logins_in_every_role():
    out = StringIO()
    call_command("seed_demo", "--orders", "3", stdout=out)
    acme = Business.objects.get(name="Acme Corporation")
    assert acme.address_lines[0] and acme.city == "Seattle"
    groups = {g.name: g for g in Group.objects.filter(business=acme).select_related("shipping_address")}
    assert {"Engineering", "Marketing", "Facilities"} <= set(groups)
    assert groups["Engineering"].cost_center == "CC-100" and groups["Engineering"].location == "Seattle"
    assert all(g.shipping_address and g.shipping_address.business_id == acme.pk for g in groups.values())

    def member(local):
        m = Member.objects.select_related("user").get(user__email=f"{local}@acme.example")
        assert m.business == acme and m.user.check_password("demo")
        return m

    assert member("alice").is_business_admin
    bob, carol, dan = member("bob"), member("carol"), member("dan")
    assert member_has_role(bob, Role.BUYER) and not bob.is_business_admin
    assert member_has_role(carol, Role.APPROVER) and not member_has_role(carol, Role.BUYER)
    assert member_has_role(dan, Role.FINANCE) and not member_has_role(dan, Role.BUYER)
    staff = User.objects.get(email="staff@acme.example")
    assert staff.is_staff and staff.is_superuser and staff.check_password("demo")

    from orders.models import ApprovalLevel

    levels = ApprovalLevel.objects.filter(business=acme, rule__group=None).order_by("position")
    assert [(lv.amount, lv.deciders) for lv in levels] == [
        (Decimal("1000.00"), "group_approvers"), (Decimal("5000.00"), "group_finance")]

    printed = out.getvalue()
    for email in ["alice", "bob", "carol", "dan", "staff"]:
        assert f"{email}@acme.example" in printed
    assert '"demo"' in printed


def test_seed_demo_is_idempotent():
    call_command("seed_demo", "--businesses", "2", "--members-per-business", "5", stdout=StringIO())
    first = _row_counts()
    call_command("seed_demo", "--businesses", "2", "--members-per-business", "5", stdout=StringIO())
    assert _row_counts() == first
    assert first["procurement.Business"] >= 3 and first["procurement.Member"] >= 4 + 2 * 5


def test_bulk_businesses_have_an_admin_groups_and_members():
    call_command("seed_demo", "--businesses", "3", "--members-per-business", "8", stdout=StringIO())
    bench = Business.objects.filter(name__startswith="Bench Co ")
    assert bench.count() == 3
    for business in bench:
        members = Member.objects.filter(business=business)
        assert members.count() == 8 and members.filter(is_business_admin=True).count() == 1
        assert Group.objects.filter(business=business).count() == 3
        memberships = GroupMembership.objects.filter(business=business).select_related("group", "member")
        assert memberships.count() == 8
        assert all(m.group.business_id == business.pk and m.member.business_id == business.pk for m in memberships)
    one = User.objects.get(email="m0001@bench-co-00001.example")
    assert one.check_password("demo")


def test_seed_demo_gives_acme_a_monthly_recurring_budget_with_two_closed_past_periods():
    from budgets.models import Budget, BudgetSeries, LedgerEntry
    from budgets.selectors import budget_series_periods

    call_command("seed_demo", "--orders", "2", stdout=StringIO())
    series = BudgetSeries.objects.get(business__name="Acme Corporation")
    periods = list(Budget.objects.filter(series=series).order_by("period_index"))
    assert [p.status for p in periods] == ["closed", "closed", "active"] and series.repeats == "monthly"
    assert LedgerEntry.objects.filter(budget__series=series, kind="transfer_in").count() == 2
    rows = budget_series_periods(budget=periods[2])
    assert [r.state for r in rows] == ["past", "past", "current", "next"]
    assert rows[0].spent == Decimal("2470.00") and rows[0].rolled_out == Decimal("1530.00") - rows[0].lapsed
    call_command("seed_demo", "--orders", "2", stdout=StringIO())
    assert Budget.objects.filter(series__business__name="Acme Corporation").count() == 3
