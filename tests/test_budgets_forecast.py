"""Run-out forecasts from synthetic ledgers with known answers: constant rate, a step change, no spending."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgets.forecast import budget_forecasts, allocation_forecasts, ewma_rate, forecast_sentence, runout_date
from budgets.ledger import budget_charge
from budgets.models import LedgerEntry
from tests.factories import AllocationFactory, BudgetFactory, GroupMembershipFactory, MemberFactory

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 6, 30)


def test_ewma_of_a_constant_rate_is_that_rate():
    daily = {TODAY - datetime.timedelta(days=a): D("10") for a in range(90)}
    assert ewma_rate(daily, first=TODAY - datetime.timedelta(days=89), today=TODAY) == pytest.approx(10.0)


def test_ewma_of_a_step_change_by_hand():
    # 0 a day until two weeks ago, then 20 a day for the last 14 days (ages 0..13).
    # With r = 0.5 ** (1/14): sum_{a<14} r^a / sum_{a<90} r^a = (1 - 0.5) / (1 - 0.5 ** (90/14)).
    daily = {TODAY - datetime.timedelta(days=a): D("20") for a in range(14)}
    expected = 20 * 0.5 / (1 - 0.5 ** (90 / 14))   # 10.1175...
    assert ewma_rate(daily, first=TODAY - datetime.timedelta(days=89), today=TODAY) == pytest.approx(expected)
    assert expected == pytest.approx(10.1175, abs=1e-4)


def test_no_spending_has_no_runout():
    assert ewma_rate({}, first=TODAY - datetime.timedelta(days=89), today=TODAY) == 0
    assert runout_date(remaining=D("100"), rate=0.0, today=TODAY) is None
    assert runout_date(remaining=D("0"), rate=0.0, today=TODAY) == TODAY
    assert runout_date(remaining=D("95"), rate=10.0, today=TODAY) == TODAY + datetime.timedelta(days=10)


def _spend(budget, member, per_day, days, *, allocation=None):
    """A synthetic ledger: one charge a day for `days` days ending today."""
    today = timezone.localdate()
    for age in range(days):
        entry = LedgerEntry.objects.create(business=budget.business, budget=budget, member=member, allocation=allocation,
                                           kind="charge", amount=per_day)
        when = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=age), datetime.time(12)))
        LedgerEntry.objects.filter(pk=entry.pk).update(created_at=when)
    budget.spent = per_day * days
    budget.save(update_fields=["spent"])


def test_budget_forecast_from_the_ledger_with_a_constant_rate(group, buyer):
    today = timezone.localdate()
    budget = BudgetFactory(group=group, name="Engineering 2026", amount=D("1000.00"),
                           start_date=today - datetime.timedelta(days=120), end_date=today + datetime.timedelta(days=60))
    _spend(budget, buyer, D("10.00"), 90)   # 900 spent, 100 left at 10 a day: out in 10 days
    f = budget_forecasts(budgets=[budget])[budget.pk]
    assert f.rate == D("10.00")
    assert f.runout == today + datetime.timedelta(days=10) and f.days_early == 50
    sentence = forecast_sentence(budget=budget, forecast=f)
    runout = today + datetime.timedelta(days=10)
    assert sentence == f"At this rate, Engineering 2026 runs out on {runout.day} {runout:%b}, 50 days before the period ends."


def test_a_young_budget_counts_only_its_own_days_and_allocations_have_their_rate(group, buyer):
    today = timezone.localdate()
    budget = BudgetFactory(group=group, amount=D("1000.00"), start_date=today - datetime.timedelta(days=9),
                           end_date=today + datetime.timedelta(days=300))
    allocation = AllocationFactory(budget=budget, member=buyer, amount=D("200.00"))
    _spend(budget, buyer, D("5.00"), 10, allocation=allocation)
    allocation.spent = D("50.00")
    allocation.save()
    assert budget_forecasts(budgets=[budget])[budget.pk].rate == D("5.00")
    af = allocation_forecasts(budget=budget, allocations=[allocation])[allocation.pk]
    assert af.rate == D("5.00") and af.runout == today + datetime.timedelta(days=30)


def test_no_spending_shows_that_it_lasts(client, group, admin_member):
    budget = BudgetFactory(group=group)
    f = budget_forecasts(budgets=[budget])[budget.pk]
    assert (f.rate, f.runout, f.days_early) == (D("0.00"), None, None)
    client.force_login(admin_member.user)
    page = client.get(reverse("budgets:budget_list", args=[group.pk])).content.decode()
    assert "Lasts the period" in page


def test_the_runout_date_shows_on_the_pages_and_at_checkout(client, group, buyer, admin_member):
    today = timezone.localdate()
    budget = BudgetFactory(group=group, amount=D("1000.00"), allow_unallocated_spend=True,
                           start_date=today - datetime.timedelta(days=120), end_date=today + datetime.timedelta(days=60))
    _spend(budget, buyer, D("10.00"), 90)
    runout = f"{today + datetime.timedelta(days=10):%b} {(today + datetime.timedelta(days=10)).day}"
    client.force_login(admin_member.user)
    for url in (reverse("budgets:budget_detail", args=[group.pk, budget.pk]), reverse("budgets:budget_list", args=[group.pk]),
                reverse("budgets:budget_overview"), reverse("orders:budget_report")):
        page = client.get(url).content.decode()
        assert runout in page and "50 days before the end" in page, url
    from orders.checkout.selectors import checkout_budgets
    (choice,) = checkout_budgets(member=buyer, group=group)
    assert choice.forecast.startswith(f"At this rate, {budget.name} runs out on") and "50 days before the period ends" in choice.forecast


def test_the_runout_alert_fires_once_by_date_and_names_it(group, buyer, admin_member, mailoutbox, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    GroupMembershipFactory(group=group, member=MemberFactory(business=group.business, user__email="ga@example.com"),
                           role="group_admin")
    budget = BudgetFactory(group=group, amount=D("2000.00"), allow_unallocated_spend=True, runout_alert_days=30,
                           start_date=today - datetime.timedelta(days=120), end_date=today + datetime.timedelta(days=100))
    _spend(budget, buyer, D("10.00"), 89)
    budget.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        budget_charge(budget=budget, member=buyer, amount=D("10.00"), acting_user=None)
    # 900 spent over 90 days: 10 a day; 1100 left: out in 110 days, after the end: no alert.
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        budget_charge(budget=budget, member=buyer, amount=D("700.00"), acting_user=None)
    budget.refresh_from_db()
    f = budget_forecasts(budgets=[budget])[budget.pk]
    assert f.days_early > 30
    (mail,) = mailoutbox
    assert f"{f.runout:%d %b %Y}" in mail.subject and f"{f.runout:%d %b %Y}" in mail.body
    assert sorted(mail.to) == ["admin@example.com", "ga@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        budget_charge(budget=budget, member=buyer, amount=D("10.00"), acting_user=None)
    assert len(mailoutbox) == 1
