"""Budget and allocation services: distribute evenly, saving allocations, edit and close rules."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from budgets.ledger import BudgetUnavailable, budget_charge
from budgets.models import Allocation, Budget
from budgets.services import (
    allocation_distribute_evenly, allocations_save, budget_close, budget_create, budget_po_number_suggest,
    budget_update,
)
from procurement.models import GroupMembership
from tests.factories import BudgetFactory, GroupMembershipFactory, MemberFactory

D = Decimal


# --- allocation_distribute_evenly (pure) ---------------------------------------------------------
@pytest.mark.parametrize(
    "total,count,expected",
    [
        ("0.01", 3, ["0.01", "0.00", "0.00"]),
        ("100.00", 3, ["33.34", "33.33", "33.33"]),
        ("100.00", 7, ["14.29", "14.29", "14.29", "14.29", "14.28", "14.28", "14.28"]),
        ("100.00", 1, ["100.00"]),
        ("0.00", 2, ["0.00", "0.00"]),
        ("1000000000.00", 3, ["333333333.34", "333333333.33", "333333333.33"]),
    ],
)
def test_distribute_evenly_splits_to_the_cent(total, count, expected):
    parts = allocation_distribute_evenly(total=D(total), count=count)
    assert [str(p) for p in parts] == expected  # two places, always ("30.00", not "30")
    assert sum(parts) == D(total)
    assert all(p == p.quantize(D("0.01")) for p in parts)


@pytest.mark.parametrize("count", range(1, 40))
def test_distribute_evenly_always_adds_up_and_differs_by_at_most_a_cent(count):
    total = D("1234.57")
    parts = allocation_distribute_evenly(total=total, count=count)
    assert len(parts) == count and sum(parts) == total
    assert max(parts) - min(parts) <= D("0.01")
    assert parts == sorted(parts, reverse=True)  # the remainder cents go to the first rows


def test_distribute_evenly_over_no_members_is_a_clear_error():
    with pytest.raises(ValueError, match="no rows"):
        allocation_distribute_evenly(total=D("100.00"), count=0)


@pytest.mark.parametrize("total", ["-1.00", "10.005"])
def test_distribute_evenly_refuses_negative_or_fractional_cents(total):
    with pytest.raises(ValueError):
        allocation_distribute_evenly(total=D(total), count=2)


# --- allocations_save ----------------------------------------------------------------------------
@pytest.fixture
def budget(group):
    return BudgetFactory(group=group, amount=D("100.00"))


def _buyers(group, n):
    members = []
    for _ in range(n):
        member = MemberFactory(business=group.business)
        GroupMembershipFactory(group=group, member=member, role=GroupMembership.Role.BUYER)
        members.append(member)
    return members


def _amounts(budget):
    return {a.member_id: a.amount for a in Allocation.objects.filter(budget=budget)}


@pytest.mark.django_db
def test_allocations_save_creates_and_updates_with_history(budget, group, admin_member):
    a, b = _buyers(group, 2)
    allocations_save(budget=budget, amounts={a.pk: D("40.00")}, acting_user=admin_member.user)
    allocations_save(budget=budget, amounts={a.pk: D("30.00"), b.pk: D("70.00")}, acting_user=admin_member.user)
    assert _amounts(budget) == {a.pk: D("30.00"), b.pk: D("70.00")}
    history = Allocation.history.filter(member_id=a.pk).order_by("history_date", "history_id")
    assert [h.amount for h in history] == [D("40.00"), D("30.00")]
    assert {h.history_user for h in history} == {admin_member.user}


@pytest.mark.django_db
def test_allocations_over_the_budget_save_nothing(budget, group, admin_member):
    a, b = _buyers(group, 2)
    allocations_save(budget=budget, amounts={a.pk: D("50.00")}, acting_user=None)
    with pytest.raises(ValidationError) as exc:
        allocations_save(budget=budget, amounts={a.pk: D("60.00"), b.pk: D("40.01")}, acting_user=None)
    assert "100.01" in str(exc.value.message_dict["__all__"])
    assert _amounts(budget) == {a.pk: D("50.00")}


@pytest.mark.django_db
def test_allocations_count_the_members_left_out_of_the_request(budget, group):
    a, b = _buyers(group, 2)
    allocations_save(budget=budget, amounts={a.pk: D("80.00")}, acting_user=None)
    with pytest.raises(ValidationError):
        allocations_save(budget=budget, amounts={b.pk: D("20.01")}, acting_user=None)
    allocations_save(budget=budget, amounts={b.pk: D("20.00")}, acting_user=None)
    assert sum(_amounts(budget).values()) == D("100.00")


@pytest.mark.django_db
def test_allocation_below_what_the_member_spent_names_the_member(budget, group):
    a, b = _buyers(group, 2)
    allocations_save(budget=budget, amounts={a.pk: D("50.00"), b.pk: D("10.00")}, acting_user=None)
    budget_charge(budget=budget, member=a, amount=D("30.00"), acting_user=None)
    with pytest.raises(ValidationError) as exc:
        allocations_save(budget=budget, amounts={a.pk: D("29.99"), b.pk: D("0.00")}, acting_user=None)
    assert exc.value.message_dict == {a.pk: [f"{a.name}: the allocation cannot be less than the 30.00 they already spent."]}
    assert _amounts(budget) == {a.pk: D("50.00"), b.pk: D("10.00")}  # b's change was not saved either
    allocations_save(budget=budget, amounts={a.pk: D("30.00")}, acting_user=None)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["-0.01", "1.005"])
def test_allocation_bad_amounts_are_refused(budget, group, amount):
    (a,) = _buyers(group, 1)
    with pytest.raises(ValidationError) as exc:
        allocations_save(budget=budget, amounts={a.pk: D(amount)}, acting_user=None)
    assert a.name in exc.value.message_dict[a.pk][0]
    assert _amounts(budget) == {}


@pytest.mark.django_db
def test_allocation_for_someone_outside_the_group_or_business_is_refused(budget, business, other_member):
    outsider = MemberFactory(business=business)
    with pytest.raises(ValidationError) as exc:
        allocations_save(budget=budget, amounts={outsider.pk: D("1.00"), other_member.pk: D("1.00")}, acting_user=None)
    assert set(exc.value.message_dict) == {outsider.pk, other_member.pk}
    assert _amounts(budget) == {}


@pytest.mark.django_db
def test_allocations_of_a_closed_budget_cannot_change(budget, group):
    (a,) = _buyers(group, 1)
    budget_close(budget=budget, acting_user=None)
    with pytest.raises(ValidationError):
        allocations_save(budget=budget, amounts={a.pk: D("1.00")}, acting_user=None)


# --- budget create / update / close ----------------------------------------------------------------
def _fields(**overrides):
    today = datetime.date.today()
    return {
        "name": "Office supplies", "po_number": "BPO-1", "amount": D("500.00"), "start_date": today,
        "end_date": today + datetime.timedelta(days=30), "note_to_buyers": "", "policy": Budget.Policy.BLOCK,
        "low_funds_alert": None, "show_balance_to_buyers": True, "allow_unallocated_spend": False, **overrides,
    }


@pytest.mark.django_db
def test_budget_create_takes_the_business_currency_and_records_who(group, admin_member):
    group.business.currency = "EUR"
    group.business.save()
    budget = budget_create(group=group, acting_user=admin_member.user, **_fields())
    assert (budget.currency, budget.business_id, budget.created_by) == ("EUR", group.business_id, admin_member.user)
    assert budget.history.get().history_user == admin_member.user


@pytest.mark.django_db
def test_budget_create_refuses_a_taken_po_number_in_the_business_only(group, other_business):
    budget_create(group=group, acting_user=None, **_fields())
    with pytest.raises(ValidationError) as exc:
        budget_create(group=group, acting_user=None, **_fields(po_number="bpo-1"))
    assert "already used" in exc.value.message_dict["po_number"][0]
    from tests.factories import GroupFactory

    budget_create(group=GroupFactory(business=other_business), acting_user=None, **_fields())
    assert Budget.objects.filter(po_number="BPO-1").count() == 2


@pytest.mark.django_db
def test_po_number_suggestion_is_free(business, group):
    today = datetime.date(2026, 5, 1)
    first = budget_po_number_suggest(business=business, today=today)
    assert first == "BPO-2026-0001"
    BudgetFactory(group=group, po_number=first)
    BudgetFactory(group=group, po_number="BPO-2026-0002")
    assert budget_po_number_suggest(business=business, today=today) == "BPO-2026-0003"


@pytest.mark.django_db
def test_budget_update_refuses_amount_below_spent_or_allocated(budget, group):
    (a,) = _buyers(group, 1)
    allocations_save(budget=budget, amounts={a.pk: D("60.00")}, acting_user=None)
    budget_charge(budget=budget, member=a, amount=D("40.00"), acting_user=None)
    with pytest.raises(ValidationError, match="40.00 already spent"):
        budget_update(budget=budget, acting_user=None, amount=D("39.99"))
    with pytest.raises(ValidationError, match="60.00 already allocated"):
        budget_update(budget=budget, acting_user=None, amount=D("59.99"))
    budget_update(budget=budget, acting_user=None, amount=D("60.00"))
    assert Budget.objects.get(pk=budget.pk).amount == D("60.00")


@pytest.mark.django_db
def test_budget_update_rearms_the_low_funds_alert(budget, group, mailoutbox, django_capture_on_commit_callbacks):
    (a,) = _buyers(group, 1)
    GroupMembershipFactory(group=group, role=GroupMembership.Role.GROUP_ADMIN)
    Budget.objects.filter(pk=budget.pk).update(allow_unallocated_spend=True, low_funds_alert=D("10.00"))
    with django_capture_on_commit_callbacks(execute=True):
        budget_charge(budget=budget, member=a, amount=D("95.00"), acting_user=None)
    assert len(mailoutbox) == 1
    budget_update(budget=budget, acting_user=None, amount=D("200.00"))  # 105.00 left: above the alert again
    assert Budget.objects.get(pk=budget.pk).low_funds_alert_sent_at is None
    with django_capture_on_commit_callbacks(execute=True):
        budget_charge(budget=budget, member=a, amount=D("100.00"), acting_user=None)
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_budget_close_stops_charges_and_keeps_history(budget, group, admin_member):
    (a,) = _buyers(group, 1)
    Budget.objects.filter(pk=budget.pk).update(allow_unallocated_spend=True)
    budget_charge(budget=budget, member=a, amount=D("5.00"), acting_user=None)
    closed = budget_close(budget=budget, acting_user=admin_member.user)
    assert closed.status == Budget.Status.CLOSED and closed.closed_at is not None
    with pytest.raises(BudgetUnavailable):
        budget_charge(budget=budget, member=a, amount=D("1.00"), acting_user=None)
    assert budget.ledger.count() == 1
    assert budget.history.first().history_user == admin_member.user
    with pytest.raises(ValidationError):
        budget_close(budget=budget, acting_user=None)


def test_distribute_rows_shares_the_unallocated_rest_among_empty_rows():
    from budgets.services import allocation_rows_distribute

    amounts, total, shared = allocation_rows_distribute(
        budget_amount=Decimal("100.00"), amounts=[Decimal("40.00"), Decimal("0"), Decimal("0")], whole_budget=False
    )
    assert amounts == [Decimal("40.00"), Decimal("30.00"), Decimal("30.00")]
    assert (total, shared) == (Decimal("60.00"), 2)
    amounts, total, shared = allocation_rows_distribute(
        budget_amount=Decimal("100.00"), amounts=[Decimal("40.00"), Decimal("0"), Decimal("0")], whole_budget=True
    )
    assert amounts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")] and sum(amounts) == total
    with pytest.raises(ValueError, match="Every row already has an amount"):
        allocation_rows_distribute(budget_amount=Decimal("100.00"), amounts=[Decimal("1.00")], whole_budget=False)
    with pytest.raises(ValueError, match="Nothing is left unallocated"):
        allocation_rows_distribute(budget_amount=Decimal("100.00"), amounts=[Decimal("100.00"), Decimal("0")], whole_budget=False)


def test_history_names_the_policy_as_the_form_does(business, admin_member):
    from budgets.selectors import budget_history
    from budgets.services import budget_update
    from tests.factories import BudgetFactory, GroupFactory

    budget = BudgetFactory(group=GroupFactory(business=business), policy="block")
    budget_update(budget=budget, acting_user=admin_member.user, policy="warn")
    changes = [diff for change in budget_history(budget=budget) for diff in change.changes]
    assert ("when funds run out", "Block the order", "Warn and allow") in changes


def test_allocation_row_arithmetic_without_a_request():
    from budgets.services import allocation_row_add, allocation_row_remove, allocation_rows_amounts
    from procurement.errors import InvalidInput

    assert allocation_rows_amounts([(1, " 10.50 "), (2, ""), (3, Decimal("2"))]) == [Decimal("10.50"), 0, 2]
    for bad in ("ten", "NaN", "Infinity"):
        with pytest.raises(InvalidInput, match="Fix the amounts"):
            allocation_rows_amounts([(1, bad)])
    rows = [(1, "5")]
    assert allocation_row_add(rows=rows, member_id="2", candidates={2: "Bea"}) == "Bea" and rows == [(1, "5"), (2, "")]
    with pytest.raises(InvalidInput, match="Pick a member"):
        allocation_row_add(rows=rows, member_id="x", candidates={2: "Bea"})
    assert allocation_row_remove(rows=rows, member_id="2", saved_ids={1}) == [(1, "5")]
    with pytest.raises(InvalidInput, match="cannot be removed"):
        allocation_row_remove(rows=rows, member_id=1, saved_ids={1})
