"""The drawdown ledger: policies, dates, status, membership, allocations, releases, the low-funds email."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from budgets.ledger import (
    ApprovalRequired, BudgetError, BudgetUnavailable, InsufficientFunds, budget_charge, budget_release,
    member_may_spend, spend_limit,
)
from budgets.models import Allocation, Budget, LedgerEntry
from budgets.selectors import budget_spent_from_ledger
from procurement.models import GroupMembership, Notification
from tests.factories import (
    AllocationFactory, BudgetFactory, GroupMembershipFactory, MemberFactory, OrderFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def budget(group):
    return BudgetFactory(group=group, amount=D("100.00"))


@pytest.fixture
def allocation(budget, buyer):
    return AllocationFactory(budget=budget, member=buyer, amount=D("60.00"))


def _state(budget, allocation=None):
    budget.refresh_from_db()
    if allocation is not None:
        allocation.refresh_from_db()
    return budget.spent, (allocation.spent if allocation else None), LedgerEntry.objects.filter(budget=budget).count()


def test_charge_within_allocation_writes_one_entry_and_moves_both_totals(budget, allocation, buyer, admin_member):
    entry = budget_charge(budget=budget, member=buyer, amount=D("25.50"), acting_user=admin_member.user)
    assert (entry.kind, entry.amount, entry.allocation_id, entry.over_limit) == ("charge", D("25.50"), allocation.pk, False)
    assert entry.created_by == admin_member.user and entry.business_id == budget.business_id
    assert _state(budget, allocation) == (D("25.50"), D("25.50"), 1)
    assert budget.remaining == D("74.50") and allocation.remaining == D("34.50")


def test_block_policy_refuses_past_the_allocation_and_writes_nothing(budget, allocation, buyer):
    budget_charge(budget=budget, member=buyer, amount=D("50.00"), acting_user=None)
    with pytest.raises(InsufficientFunds) as exc:
        budget_charge(budget=budget, member=buyer, amount=D("10.01"), acting_user=None)
    assert exc.value.available == D("10.00")
    assert "Insufficient funds" in str(exc.value) and budget.po_number in str(exc.value)
    assert _state(budget, allocation) == (D("50.00"), D("50.00"), 1)


def test_warn_policy_writes_the_over_limit_charge_and_flags_it(budget, allocation, buyer):
    Budget.objects.filter(pk=budget.pk).update(policy=Budget.Policy.WARN)
    entry = budget_charge(budget=budget, member=buyer, amount=D("80.00"), acting_user=None)
    assert entry.over_limit is True
    assert _state(budget, allocation) == (D("80.00"), D("80.00"), 1)


def test_approval_policy_asks_for_approval_then_charges_when_approved(budget, allocation, buyer):
    Budget.objects.filter(pk=budget.pk).update(policy=Budget.Policy.APPROVAL)
    with pytest.raises(ApprovalRequired) as exc:
        budget_charge(budget=budget, member=buyer, amount=D("70.00"), acting_user=None)
    assert exc.value.available == D("60.00")
    assert _state(budget, allocation) == (D("0.00"), D("0.00"), 0)
    entry = budget_charge(budget=budget, member=buyer, amount=D("70.00"), acting_user=None, approved=True)
    assert entry.over_limit is True
    # Even approved, a charge cannot go past the whole budget.
    with pytest.raises(InsufficientFunds):
        budget_charge(budget=budget, member=buyer, amount=D("30.01"), acting_user=None, approved=True)
    assert _state(budget, allocation) == (D("70.00"), D("70.00"), 1)


def test_approval_policy_within_limit_needs_no_approval(budget, allocation, buyer):
    Budget.objects.filter(pk=budget.pk).update(policy=Budget.Policy.APPROVAL)
    assert budget_charge(budget=budget, member=buyer, amount=D("60.00"), acting_user=None).over_limit is False


def test_closed_budget_refuses_charges(budget, allocation, buyer):
    Budget.objects.filter(pk=budget.pk).update(status=Budget.Status.CLOSED)
    with pytest.raises(BudgetUnavailable, match="closed"):
        budget_charge(budget=budget, member=buyer, amount=D("1.00"), acting_user=None)
    assert _state(budget, allocation) == (D("0.00"), D("0.00"), 0)


@pytest.mark.parametrize("start,end", [(1, 30), (-30, -1)], ids=["not started", "ended"])
def test_budget_outside_its_dates_refuses_charges(budget, allocation, buyer, start, end):
    today = timezone.localdate()
    Budget.objects.filter(pk=budget.pk).update(
        start_date=today + datetime.timedelta(days=start), end_date=today + datetime.timedelta(days=end)
    )
    with pytest.raises(BudgetUnavailable, match="runs from"):
        budget_charge(budget=budget, member=buyer, amount=D("1.00"), acting_user=None)
    assert _state(budget, allocation) == (D("0.00"), D("0.00"), 0)


def test_budget_first_and_last_day_are_inside(budget, allocation, buyer):
    today = timezone.localdate()
    Budget.objects.filter(pk=budget.pk).update(start_date=today, end_date=today)
    budget_charge(budget=budget, member=buyer, amount=D("1.00"), acting_user=None)
    assert _state(budget, allocation)[2] == 1


def test_member_not_a_buyer_in_the_group_cannot_spend(budget, business):
    approver = MemberFactory(business=business)
    GroupMembershipFactory(group=budget.group, member=approver, role=GroupMembership.Role.APPROVER)
    AllocationFactory(budget=budget, member=approver, amount=D("10.00"))
    outsider = MemberFactory(business=business)
    AllocationFactory(budget=budget, member=outsider, amount=D("10.00"))
    for member in (approver, outsider):
        assert member_may_spend(budget=budget, member=member) is False
        with pytest.raises(BudgetUnavailable):
            budget_charge(budget=budget, member=member, amount=D("1.00"), acting_user=None)
    assert _state(budget)[2] == 0


def test_member_or_order_of_another_business_cannot_spend(budget, allocation, buyer, other_member):
    with pytest.raises(BudgetUnavailable):
        budget_charge(budget=budget, member=other_member, amount=D("1.00"), acting_user=None)
    foreign_order = OrderFactory(group__business=other_member.business, buyer=other_member)
    with pytest.raises(BudgetUnavailable):
        budget_charge(budget=budget, member=buyer, amount=D("1.00"), acting_user=None, order=foreign_order)
    assert _state(budget)[2] == 0


def test_deactivated_member_cannot_spend(budget, allocation, buyer):
    buyer.is_active = False
    buyer.save()
    with pytest.raises(BudgetUnavailable):
        budget_charge(budget=budget, member=buyer, amount=D("1.00"), acting_user=None)


def test_no_allocation_and_unallocated_spend_not_allowed_is_refused(budget, buyer):
    assert member_may_spend(budget=budget, member=buyer) is False
    with pytest.raises(BudgetUnavailable):
        budget_charge(budget=budget, member=buyer, amount=D("1.00"), acting_user=None)


def test_no_allocation_spends_only_the_unallocated_remainder_when_allowed(budget, buyer, business):
    Budget.objects.filter(pk=budget.pk).update(allow_unallocated_spend=True)
    budget.refresh_from_db()
    other = MemberFactory(business=business)
    GroupMembershipFactory(group=budget.group, member=other)
    AllocationFactory(budget=budget, member=other, amount=D("70.00"))
    assert member_may_spend(budget=budget, member=buyer) is True
    assert spend_limit(budget=budget, member=buyer).available == D("30.00")
    entry = budget_charge(budget=budget, member=buyer, amount=D("20.00"), acting_user=None)
    assert entry.allocation is None
    with pytest.raises(InsufficientFunds) as exc:
        budget_charge(budget=budget, member=buyer, amount=D("10.01"), acting_user=None)
    assert exc.value.available == D("10.00")
    # The allocated member still has their full 70.00.
    budget_charge(budget=budget, member=other, amount=D("70.00"), acting_user=None)
    assert _state(budget) == (D("90.00"), None, 2)


def test_non_positive_amount_is_refused(budget, allocation, buyer):
    for amount in (D("0"), D("-5.00"), D("1.005"), D("NaN")):
        with pytest.raises(BudgetError):
            budget_charge(budget=budget, member=buyer, amount=amount, acting_user=None)
    assert _state(budget)[2] == 0


def test_release_gives_back_and_never_more_than_charged(budget, allocation, buyer):
    order = OrderFactory(group=budget.group, buyer=buyer)
    charge = budget_charge(budget=budget, member=buyer, amount=D("40.00"), acting_user=None, order=order)
    release = budget_release(charge=charge, amount=D("15.00"), acting_user=None)
    assert (release.kind, release.charge_id, release.order_id, release.allocation_id) == ("release", charge.pk, order.pk, allocation.pk)
    assert _state(budget, allocation) == (D("25.00"), D("25.00"), 2)
    with pytest.raises(BudgetError, match="only 25.00"):
        budget_release(charge=charge, amount=D("25.01"), acting_user=None)
    budget_release(charge=charge, acting_user=None, amount=D("25.00"))
    with pytest.raises(BudgetError):
        budget_release(charge=charge, acting_user=None)  # nothing left of it
    with pytest.raises(BudgetError):
        budget_release(charge=release, acting_user=None)  # a release is not a charge
    assert _state(budget, allocation) == (D("0.00"), D("0.00"), 3)
    budget_charge(budget=budget, member=buyer, amount=D("12.34"), acting_user=None)
    assert budget_spent_from_ledger(budget=budget) == Budget.objects.get(pk=budget.pk).spent == D("12.34")


def test_release_works_on_a_closed_budget(budget, allocation, buyer):
    charge = budget_charge(budget=budget, member=buyer, amount=D("40.00"), acting_user=None)
    Budget.objects.filter(pk=budget.pk).update(status=Budget.Status.CLOSED)
    budget_release(charge=charge, acting_user=None)
    assert _state(budget, allocation) == (D("0.00"), D("0.00"), 2)


def test_check_constraint_backs_the_block_policy(budget):
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.filter(pk=budget.pk).update(spent=D("100.01"))


def test_low_funds_email_is_sent_once_to_the_groups_admins(
    budget, allocation, buyer, business, mailoutbox, django_capture_on_commit_callbacks
):
    group_admin = MemberFactory(business=business, user__email="group.admin@example.com")
    GroupMembershipFactory(group=budget.group, member=group_admin, role=GroupMembership.Role.GROUP_ADMIN)
    Budget.objects.filter(pk=budget.pk).update(low_funds_alert=D("50.00"))
    budget.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        budget_charge(budget=budget, member=buyer, amount=D("45.00"), acting_user=None)  # 55 left: no alert
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        budget_charge(budget=budget, member=buyer, amount=D("5.00"), acting_user=None)  # 50 left: alert
    with django_capture_on_commit_callbacks(execute=True):
        budget_charge(budget=budget, member=buyer, amount=D("5.00"), acting_user=None)  # still low: no second
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["group.admin@example.com"]  # one email per admin, never the buyer
    assert budget.po_number in mail.subject and "$50.00 remaining" in mail.body
    assert f"/business-settings/groups/{budget.group_id}/budgets/{budget.pk}/" in mail.body
    assert "$50.00" in mail.alternatives[0][0]  # and an HTML part
    assert Notification.objects.get().recipient == group_admin  # the bell too


def test_refused_charge_sends_no_low_funds_email(budget, allocation, buyer, mailoutbox, django_capture_on_commit_callbacks):
    Budget.objects.filter(pk=budget.pk).update(low_funds_alert=D("50.00"))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InsufficientFunds):
        budget_charge(budget=budget, member=buyer, amount=D("99.00"), acting_user=None)
    assert mailoutbox == []
    assert Budget.objects.get(pk=budget.pk).low_funds_alert_sent_at is None


def test_ledger_entries_cannot_be_a_release_without_its_charge(budget, buyer):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            business=budget.business, budget=budget, member=buyer, kind="release", amount=D("1.00")
        )


def test_allocation_row_is_used_when_the_member_has_one(budget, allocation, buyer):
    limit = spend_limit(budget=budget, member=buyer)
    assert limit.allocation == allocation and limit.available == D("60.00")
    assert Allocation.objects.get(pk=allocation.pk).spent == D("0.00")
