"""Recurring Blanket POs: period arithmetic, setting a series up, opening periods, rollover, the series page."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from budgets.ledger import budget_charge, budget_release
from budgets.models import Allocation, Budget, BudgetSeries, LedgerEntry
from budgets.periods import add_months, period_bounds, period_index_on, period_label
from budgets.recurring import budget_periods_open, budget_series_advance, budget_series_create, rollover_amount
from budgets.selectors import budget_series_periods, budget_spent_from_ledger
from tests.factories import GroupFactory, GroupMembershipFactory, MemberFactory

pytestmark = pytest.mark.django_db
D = Decimal
date = datetime.date


# --- period arithmetic (pure) -----------------------------------------------------------------

@pytest.mark.parametrize("anchor, index, expected", [
    (date(2026, 1, 31), 1, (date(2026, 2, 28), date(2026, 3, 30))),   # month end clamps, no drift
    (date(2026, 1, 31), 2, (date(2026, 3, 31), date(2026, 4, 29))),
    (date(2024, 1, 31), 1, (date(2024, 2, 29), date(2024, 3, 30))),   # leap February
    (date(2026, 12, 1), 1, (date(2027, 1, 1), date(2027, 1, 31))),    # across the year
    (date(2026, 2, 1), 0, (date(2026, 2, 1), date(2026, 2, 28))),
])
def test_monthly_periods(anchor, index, expected):
    assert period_bounds(anchor=anchor, repeats="monthly", index=index) == expected


def test_a_quarter_starting_mid_month():
    anchor = date(2026, 2, 15)
    assert period_bounds(anchor=anchor, repeats="quarterly", index=0) == (date(2026, 2, 15), date(2026, 5, 14))
    assert period_bounds(anchor=anchor, repeats="quarterly", index=3) == (date(2026, 11, 15), date(2027, 2, 14))
    assert [period_label(start=period_bounds(anchor=anchor, repeats="quarterly", index=i)[0], repeats="quarterly")
            for i in range(4)] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert period_index_on(anchor=anchor, repeats="quarterly", day=date(2026, 5, 14)) == 0
    assert period_index_on(anchor=anchor, repeats="quarterly", day=date(2026, 5, 15)) == 1
    assert period_index_on(anchor=anchor, repeats="quarterly", day=date(2026, 2, 14)) == -1


def test_leap_years_in_yearly_and_quarterly_periods():
    assert period_bounds(anchor=date(2024, 2, 29), repeats="yearly", index=0) == (date(2024, 2, 29), date(2025, 2, 27))
    assert period_bounds(anchor=date(2024, 2, 29), repeats="yearly", index=4) == (date(2028, 2, 29), date(2029, 2, 27))
    assert period_bounds(anchor=date(2023, 11, 30), repeats="quarterly", index=0) == (date(2023, 11, 30), date(2024, 2, 28))
    assert period_bounds(anchor=date(2024, 1, 1), repeats="yearly", index=0) == (date(2024, 1, 1), date(2024, 12, 31))
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert period_label(start=date(2026, 7, 1), repeats="monthly") == "2026-07"
    assert period_label(start=date(2026, 7, 1), repeats="yearly") == "2026"


# --- set-up ------------------------------------------------------------------------------------

def _fields(**overrides):
    fields = dict(
        name="Engineering", amount=D("1000.00"), start_date=date(2026, 7, 1), end_date=date(2026, 7, 1),
        po_number="", note_to_buyers="", policy=Budget.Policy.BLOCK, low_funds_alert=None,
        show_balance_to_buyers=True, allow_unallocated_spend=True, repeats="monthly", ends_on=None,
        rollover="full", rollover_cap_amount=None, rollover_cap_percent=None, allocations_mode="repeat",
    )
    fields.update(overrides)
    return fields


@pytest.fixture
def eng(business):
    return GroupFactory(business=business, name="Engineering", cost_center="ENG")


def test_setting_up_a_quarterly_series_numbers_each_period_from_the_pattern(eng, admin_member):
    budget = budget_series_create(group=eng, acting_user=admin_member.user, today=date(2026, 7, 5),
                                  **_fields(repeats="quarterly"))
    assert (budget.po_number, budget.start_date, budget.end_date) == ("BPO-ENG-2026-Q3", date(2026, 7, 1), date(2026, 9, 30))
    assert budget.series.repeats == "quarterly" and budget.period_index == 0
    assert budget.history.get().history_user == admin_member.user
    assert budget.series.history.count() == 1


def test_set_up_through_the_page(client, eng, admin_member):
    client.force_login(admin_member.user)
    today = datetime.date.today()
    response = client.post(reverse("budgets:budget_create", args=[eng.pk]), {
        "name": "Eng monthly", "po_number": "", "amount": "500.00", "start_date": today.replace(day=1).isoformat(),
        "end_date": "", "policy": "block", "repeats": "monthly", "rollover": "capped", "rollover_cap_percent": "10",
        "allocations_mode": "repeat",
    }, follow=True)
    budget = Budget.objects.get()
    assert budget.po_number == f"BPO-ENG-{today:%Y-%m}"
    assert budget.series.rollover == "capped" and budget.series.rollover_cap_percent == D("10")
    page = response.content.decode()
    assert "Repeats monthly" in page and "Next · opens" in page
    assert f"BPO-ENG-{add_months(today.replace(day=1), 1):%Y-%m}" in page


def test_a_capped_rollover_needs_a_cap_and_saves_nothing(client, eng, admin_member):
    client.force_login(admin_member.user)
    response = client.post(reverse("budgets:budget_create", args=[eng.pk]), {
        "name": "Eng", "amount": "500.00", "start_date": "2026-07-01", "policy": "block",
        "repeats": "monthly", "rollover": "capped",
    })
    assert response.status_code == 200
    assert "A capped rollover needs a cap" in response.content.decode()
    assert not Budget.objects.exists() and not BudgetSeries.objects.exists()


# --- rollover ------------------------------------------------------------------------------------

@pytest.mark.parametrize("rollover, cap_amount, cap_percent, expected", [
    ("off", None, None, D("0.00")),
    ("full", None, None, D("700.00")),
    ("capped", D("250.00"), None, D("250.00")),
    ("capped", None, D("10"), D("100.00")),              # 10% of the 1000.00 period
    ("capped", D("50.00"), D("10"), D("50.00")),        # the smaller cap wins
    ("capped", D("5000.00"), None, D("700.00")),        # never more than is unspent
])
def test_rollover_modes(rollover, cap_amount, cap_percent, expected):
    series = BudgetSeries(rollover=rollover, rollover_cap_amount=cap_amount, rollover_cap_percent=cap_percent)
    assert rollover_amount(series=series, unspent=D("700.00"), period_amount=D("1000.00")) == expected


@pytest.mark.parametrize("rollover, extra, rolled, lapsed", [
    ("off", {}, D("0.00"), D("700.00")),
    ("full", {}, D("700.00"), D("0.00")),
    ("capped", {"rollover_cap_amount": D("200.00")}, D("200.00"), D("500.00")),
    ("capped", {"rollover_cap_percent": D("25")}, D("250.00"), D("450.00")),
])
def test_opening_the_next_period_closes_the_old_and_posts_the_rollover_on_both_budgets(
    eng, admin_member, buyer, rollover, extra, rolled, lapsed
):
    GroupMembershipFactory(group=eng, member=buyer, role="buyer")
    today = datetime.date.today()
    first = budget_series_create(group=eng, acting_user=admin_member.user, today=today,
                                 **_fields(start_date=today, rollover=rollover, **extra))
    budget_charge(budget=first, member=buyer, amount=D("300.00"), acting_user=buyer.user)
    opened = budget_series_advance(series_id=first.series_id, today=first.end_date + datetime.timedelta(days=1))
    assert len(opened) == 1
    new = opened[0]
    first.refresh_from_db()
    assert first.status == Budget.Status.CLOSED and first.spent == D("300.00")
    assert (new.period_index, new.start_date, new.amount) == (1, first.end_date + datetime.timedelta(days=1), D("1000.00") + rolled)
    assert new.spent == D("0.00") and budget_spent_from_ledger(budget=first) == D("300.00")
    transfers = LedgerEntry.objects.filter(kind__in=["transfer_out", "transfer_in"]).order_by("id")
    if rolled:
        out, entry_in = transfers
        assert (out.budget, out.kind, out.amount) == (first, "transfer_out", rolled)
        assert (entry_in.budget, entry_in.kind, entry_in.amount, entry_in.counterpart) == (new, "transfer_in", rolled, out)
        assert new.history.first().history_change_reason.startswith("Rollover")
    else:
        assert not transfers
    rows = budget_series_periods(budget=new)
    assert [r.state for r in rows] == ["past", "current", "next"]
    assert (rows[0].spent, rows[0].rolled_out, rows[0].lapsed) == (D("300.00"), rolled, lapsed)
    assert rows[1].rolled_in == rolled


def test_allocations_repeat_into_the_next_period(eng, admin_member, buyer):
    GroupMembershipFactory(group=eng, member=buyer, role="buyer")
    leaver = MemberFactory(business=eng.business)
    GroupMembershipFactory(group=eng, member=leaver, role="buyer")
    today = datetime.date.today()
    first = budget_series_create(group=eng, acting_user=admin_member.user, today=today, **_fields(start_date=today))
    Allocation.objects.create(business=eng.business, budget=first, member=buyer, amount=D("400.00"))
    Allocation.objects.create(business=eng.business, budget=first, member=leaver, amount=D("100.00"))
    leaver.is_active = False
    leaver.save()
    (new,) = budget_series_advance(series_id=first.series_id, today=first.end_date + datetime.timedelta(days=1))
    assert list(new.allocations.values_list("member_id", "amount", "spent")) == [(buyer.pk, D("400.00"), D("0.00"))]


def test_the_job_opens_each_period_once_catches_up_and_stops_at_the_end(eng, admin_member):
    first = budget_series_create(group=eng, acting_user=admin_member.user, today=date(2026, 1, 10),
                                 **_fields(start_date=date(2026, 1, 1), ends_on=date(2026, 3, 31), rollover="full"))
    assert budget_periods_open(today=date(2026, 1, 31)) == []  # the last day still belongs to January
    opened = budget_periods_open(today=date(2026, 3, 2))       # the job did not run in February: catch up
    assert [b.po_number for b in opened] == ["BPO-ENG-2026-02", "BPO-ENG-2026-03"]
    assert budget_periods_open(today=date(2026, 3, 2)) == []   # twice: nothing more
    assert Budget.objects.filter(series=first.series).count() == 3
    # Full rollover with no spending: 1000 -> 2000 -> 3000.
    assert list(Budget.objects.filter(series=first.series).order_by("period_index").values_list("amount", flat=True)) == [
        D("1000.00"), D("2000.00"), D("3000.00")]
    assert budget_periods_open(today=date(2026, 4, 1)) == []   # March was the last period
    series = BudgetSeries.objects.get()
    assert series.ended_at is not None
    assert not Budget.objects.filter(series=series, status=Budget.Status.ACTIVE).exists()


def test_an_order_on_the_last_day_charges_that_period_and_its_cancellation_releases_there(eng, admin_member, buyer):
    GroupMembershipFactory(group=eng, member=buyer, role="buyer")
    today = datetime.date.today()
    anchor = add_months(today + datetime.timedelta(days=1), -1)  # today is the last day of period 0
    first = budget_series_create(group=eng, acting_user=admin_member.user, today=today,
                                 **_fields(start_date=anchor, rollover="off"))
    assert first.end_date == today
    charge = budget_charge(budget=first, member=buyer, amount=D("120.00"), acting_user=buyer.user)
    (new,) = budget_series_advance(series_id=first.series_id, today=today + datetime.timedelta(days=1))
    release = budget_release(charge=charge, acting_user=admin_member.user, note="cancelled")
    assert release.budget_id == first.pk
    first.refresh_from_db()
    new.refresh_from_db()
    assert (first.spent, new.spent) == (D("0.00"), D("0.00"))


def test_the_management_command(eng, admin_member):
    budget_series_create(group=eng, acting_user=admin_member.user, today=date(2026, 1, 10),
                         **_fields(start_date=date(2026, 1, 1)))
    from io import StringIO
    out = StringIO()
    call_command("budget_periods_open", "--today", "2026-02-01", stdout=out)
    assert "Opened BPO-ENG-2026-02" in out.getvalue() and "1 period(s) opened" in out.getvalue()
    out = StringIO()
    call_command("budget_periods_open", "--today", "2026-02-01", stdout=out)
    assert "0 period(s) opened" in out.getvalue()


def test_new_periods_start_from_the_automatic_rule(eng, admin_member, buyer):
    from budgets.automatic import allocation_rule_set
    from budgets.models import AllocationRule

    GroupMembershipFactory(group=eng, member=buyer, role="buyer")
    today = datetime.date.today()
    first = budget_series_create(group=eng, acting_user=admin_member.user, today=today,
                                 **_fields(start_date=today, allocations_mode="rule"))
    allocation_rule_set(budget=first, mode="fixed", amount=D("150.00"), acting_user=admin_member.user)
    joiner = MemberFactory(business=eng.business)
    GroupMembershipFactory(group=eng, member=joiner, role="buyer")  # joined without the signal: the new period sees them
    (new,) = budget_series_advance(series_id=first.series_id, today=first.end_date + datetime.timedelta(days=1))
    assert AllocationRule.objects.get(budget=new).amount == D("150.00")
    assert sorted(new.allocations.values_list("member_id", "amount")) == sorted(
        [(buyer.pk, D("150.00")), (joiner.pk, D("150.00"))])


def test_the_business_blanket_po_pattern_numbers_the_periods(client, eng, admin_member):
    from procurement.models import Business

    client.force_login(admin_member.user)
    url = reverse("procurement:po_settings")
    business = eng.business
    data = {"po_mode": business.po_mode, "po_pattern": business.po_pattern, "po_regex": "",
            "blanket_po_pattern": "BLANKET-{group}"}
    page = client.post(url, data).content.decode()
    assert "must contain {period}" in page
    client.post(url, {**data, "blanket_po_pattern": "{cost_center}.{period}"})
    assert Business.objects.get(pk=business.pk).blanket_po_pattern == "{cost_center}.{period}"
    eng.business.refresh_from_db()
    budget = budget_series_create(group=eng, acting_user=admin_member.user, today=date(2026, 7, 5),
                                  **_fields(repeats="yearly", start_date=date(2026, 1, 1)))
    assert budget.po_number == "ENG.2026"
    client.post(url, {**data, "blanket_po_pattern": ""})  # blank keeps the pattern
    assert Business.objects.get(pk=business.pk).blanket_po_pattern == "{cost_center}.{period}"
