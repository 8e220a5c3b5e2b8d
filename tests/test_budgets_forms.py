"""Set up and edit a Blanket PO through the pages: every bad input gets a clear error and saves nothing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.ledger import budget_charge
from budgets.models import Allocation, Budget
from tests.factories import AllocationFactory, BudgetFactory, GroupFactory, GroupMembershipFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def admin_client(client, admin_member):
    client.force_login(admin_member.user)
    return client


def _data(**overrides):
    today = datetime.date.today()
    data = {
        "name": "Office supplies 2026", "po_number": "BPO-2026-0001", "amount": "1000.00",
        "start_date": today.isoformat(), "end_date": (today + datetime.timedelta(days=90)).isoformat(),
        "note_to_buyers": "Quote it on every order.", "policy": "block", "low_funds_alert": "100.00",
        "show_balance_to_buyers": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_page_offers_a_po_number_and_shows_the_currency(admin_client, group):
    response = admin_client.get(reverse("budgets:budget_create", args=[group.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["po_number"].value() == f"BPO-{datetime.date.today().year}-0001"
    assert form["currency"].value() == group.business.currency
    assert 'disabled' in str(form["currency"])
    assert "Set up a new blanket purchase order" in response.content.decode()


def test_create_saves_and_redirects_to_the_budget_page(admin_client, group, admin_member):
    response = admin_client.post(reverse("budgets:budget_create", args=[group.pk]), _data(currency="XXX"), follow=True)
    budget = Budget.objects.get()
    assert response.redirect_chain[-1][0] == reverse("budgets:budget_detail", args=[group.pk, budget.pk])
    assert (budget.group, budget.amount, budget.currency, budget.low_funds_alert) == (group, D("1000.00"), "USD", D("100.00"))
    assert budget.created_by == admin_member.user and budget.history.get().history_user == admin_member.user
    page = response.content.decode()
    assert "BPO-2026-0001" in page and "is set up" in page


BAD_INPUTS = [
    ({"name": ""}, "name", "required"),
    ({"po_number": ""}, "po_number", "required"),
    ({"po_number": "BPO 2026"}, "po_number", "letters, digits"),
    ({"po_number": "BPO/2026"}, "po_number", "letters, digits"),
    ({"po_number": "BPÖ-1"}, "po_number", "letters, digits"),
    ({"po_number": "TAKEN-1"}, "po_number", "already used"),
    ({"po_number": "taken-1"}, "po_number", "already used"),
    ({"amount": ""}, "amount", "required"),
    ({"amount": "0"}, "amount", "greater than or equal to 0.01"),
    ({"amount": "-5"}, "amount", "greater than or equal to 0.01"),
    ({"amount": "10.001"}, "amount", "2 decimal places"),
    ({"amount": "1000000000.01"}, "amount", "less than or equal to 1000000000"),
    ({"amount": "abc"}, "amount", "Enter a number"),
    ({"amount": "NaN"}, "amount", "Enter a number"),
    ({"start_date": ""}, "start_date", "required"),
    ({"start_date": "2026-02-30"}, "start_date", "valid date"),
    ({"end_date": "1999-01-01"}, "end_date", "cannot be before the start date"),
    ({"policy": "maybe"}, "policy", "valid choice"),
    ({"low_funds_alert": "-1"}, "low_funds_alert", "greater than or equal to 0"),
    ({"low_funds_alert": "1000.00"}, "low_funds_alert", "below the budget amount"),
]


@pytest.mark.parametrize("overrides,field,message", BAD_INPUTS, ids=[f"{b[1]}={list(b[0].values())[0]!r}" for b in BAD_INPUTS])
def test_create_bad_input_gets_a_clear_error_and_saves_nothing(admin_client, group, overrides, field, message):
    BudgetFactory(group=GroupFactory(business=group.business), po_number="TAKEN-1")
    before = Budget.objects.count()
    response = admin_client.post(reverse("budgets:budget_create", args=[group.pk]), _data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert Budget.objects.count() == before
    assert "is-invalid" in response.content.decode()


def test_same_po_number_in_another_business_is_fine(admin_client, group, other_business):
    BudgetFactory(group=GroupFactory(business=other_business), po_number="BPO-2026-0001")
    admin_client.post(reverse("budgets:budget_create", args=[group.pk]), _data())
    assert Budget.objects.filter(business=group.business, po_number="BPO-2026-0001").exists()


@pytest.fixture
def spent_budget(group, buyer):
    budget = BudgetFactory(group=group, amount=D("1000.00"), po_number="BPO-X")
    AllocationFactory(budget=budget, member=buyer, amount=D("600.00"))
    budget_charge(budget=budget, member=buyer, amount=D("400.00"), acting_user=None)
    return budget


@pytest.mark.parametrize(
    "amount,message",
    [("399.99", "400.00 already spent"), ("599.99", "600.00 already allocated")],
)
def test_edit_amount_below_spent_or_allocated_is_refused(admin_client, group, spent_budget, amount, message):
    url = reverse("budgets:budget_edit", args=[group.pk, spent_budget.pk])
    response = admin_client.post(url, _data(po_number="BPO-X", amount=amount, name="Renamed"))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["amount"])
    spent_budget.refresh_from_db()
    assert spent_budget.amount == D("1000.00") and spent_budget.name != "Renamed"


def test_edit_saves_and_records_old_and_new_values(admin_client, group, spent_budget, admin_member):
    url = reverse("budgets:budget_edit", args=[group.pk, spent_budget.pk])
    response = admin_client.post(url, _data(po_number="BPO-X", amount="1500.00", policy="warn"), follow=True)
    spent_budget.refresh_from_db()
    assert (spent_budget.amount, spent_budget.policy) == (D("1500.00"), "warn")
    page = response.content.decode()
    assert "The budget is saved." in page
    history = response.context["history"]
    change = next(c for c in history if c.kind == "Changed")
    assert change.who == (admin_member.user.get_full_name() or admin_member.user.email)
    assert ("amount", D("1000.00"), D("1500.00")) in change.changes
    assert "<del>1000.00</del> → 1500.00" in page


def test_edit_to_block_when_overspent_is_refused(admin_client, group, buyer):
    budget = BudgetFactory(group=group, amount=D("100.00"), policy="warn", po_number="BPO-W")
    AllocationFactory(budget=budget, member=buyer, amount=D("100.00"))
    budget_charge(budget=budget, member=buyer, amount=D("150.00"), acting_user=None)
    url = reverse("budgets:budget_edit", args=[group.pk, budget.pk])
    response = admin_client.post(url, _data(po_number="BPO-W", amount="100.00", policy="block"))
    assert "already spent" in str(response.context["form"].errors)
    assert Budget.objects.get(pk=budget.pk).policy == "warn"


def test_close_asks_then_closes_and_the_budget_can_no_longer_change(admin_client, group, spent_budget):
    url = reverse("budgets:budget_close", args=[group.pk, spent_budget.pk])
    assert "Close budget" in admin_client.get(url).content.decode()
    assert Budget.objects.get(pk=spent_budget.pk).status == "active"  # GET changes nothing
    response = admin_client.post(url, follow=True)
    assert "is closed" in response.content.decode()
    spent_budget.refresh_from_db()
    assert spent_budget.status == "closed"
    assert admin_client.get(reverse("budgets:budget_edit", args=[group.pk, spent_budget.pk])).status_code == 302
    edit = admin_client.post(reverse("budgets:budget_edit", args=[group.pk, spent_budget.pk]), _data(po_number="BPO-X", amount="5000"))
    assert edit.status_code == 302 and Budget.objects.get(pk=spent_budget.pk).amount == D("1000.00")
    alloc = admin_client.post(reverse("budgets:allocations", args=[group.pk, spent_budget.pk]), {"action": "save"})
    assert alloc.status_code == 302
    assert Allocation.objects.get(budget=spent_budget).amount == D("600.00")
    assert spent_budget.ledger.count() == 1


def test_group_admin_of_the_group_may_set_up_budgets(client, group):
    membership = GroupMembershipFactory(group=group, role="group_admin")
    client.force_login(membership.member.user)
    response = client.post(reverse("budgets:budget_create", args=[group.pk]), _data())
    assert response.status_code == 302 and Budget.objects.filter(group=group).count() == 1
