"""A new admin follows the article's two click paths, by their link and button texts, in a real browser."""

import os
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from django.urls import reverse

from budgets.models import Allocation, Budget
from procurement.models import GroupMembership
from tests.support.browser import browser_login
from tests.factories import GroupFactory, GroupMembershipFactory, MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _open_group_budgets(page, group):
    """The article's group-level path, by its link texts, from Your Account for Business."""
    page.goto(reverse("procurement:account"))
    main = page.locator("main")
    main.get_by_role("link", name="Business Settings", exact=True).click()
    main.get_by_role("link", name="Groups", exact=True).click()
    main.get_by_role("link", name=group.name, exact=True).click()
    main.get_by_role("region", name="Billing & Shipping").get_by_role("link", name="Budgets (Blanket PO)").click()
    page.wait_for_url(f"**{reverse('budgets:budget_list', args=[group.pk])}")


def test_admin_sets_up_a_blanket_po_and_distributes_it_evenly(page):
    admin = MemberFactory(user__email="admin@browser.example", is_business_admin=True, business__name="Browser Co")
    group = GroupFactory(business=admin.business, name="Marketing")
    buyers = []
    for first in ("Ann", "Bob", "Cy"):
        member = MemberFactory(business=admin.business, user__first_name=first, user__last_name="Buyer")
        GroupMembershipFactory(group=group, member=member, role=GroupMembership.Role.BUYER)
        buyers.append(member)
    browser_login(page, admin.user.email)
    page.wait_for_url("**/account/")

    # Group level: Budgets (Blanket PO) → Set up a new blanket purchase order → required fields → Save.
    _open_group_budgets(page, group)
    expect(page.get_by_role("heading", name=re.compile("Budgets \\(Blanket PO\\)"))).to_be_visible()
    _shot(page, "1-budget-list-empty")
    page.get_by_role("link", name="Set up a new blanket purchase order").click()
    page.get_by_label("Name").fill("Marketing 2026")
    expect(page.get_by_label("Blanket PO number")).to_have_value(re.compile(r"^BPO-"))
    po_number = page.get_by_label("Blanket PO number").input_value()
    assert po_number.startswith("BPO-")
    page.get_by_label("Amount").fill("100.00")
    page.get_by_label("Warn and allow").check()
    _shot(page, "2-budget-form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/budgets/\d+/$"))
    expect(page.get_by_text("is set up")).to_be_visible()
    expect(page.locator("#budget-amount")).to_have_text("$100.00")
    budget = Budget.objects.get(po_number=po_number)
    assert (budget.amount, budget.policy, budget.group_id) == (Decimal("100.00"), "warn", group.pk)

    # User level: Allocations → Add Allocation → Add individual, then Add all group members →
    # Distribute funds evenly → Save.
    page.get_by_role("link", name="Allocations").click()
    expect(page.get_by_role("heading", name="Allocations")).to_be_visible()
    page.get_by_role("button", name="Add Allocation").click()
    page.get_by_label(re.compile("Member of Marketing")).select_option(label=f"Bob Buyer ({buyers[1].email})")
    page.get_by_role("button", name="Add individual").click()
    expect(page.get_by_role("row", name=re.compile("Bob Buyer"))).to_be_visible()
    page.get_by_role("button", name="Add Allocation").click()
    page.get_by_role("button", name="Add all group members").click()
    expect(page.locator("#allocation-rows tbody tr")).to_have_count(3)
    page.get_by_role("button", name="Distribute funds evenly").click()
    for name, amount in (("Bob", "33.34"), ("Ann", "33.33"), ("Cy", "33.33")):
        expect(page.get_by_label(f"Allocated to {name} Buyer")).to_have_value(amount)
    assert Allocation.objects.count() == 0  # nothing saved before Save
    _shot(page, "3-allocations-distributed")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/budgets/\d+/$"))
    expect(page.get_by_text("Allocations saved.")).to_be_visible()
    rows = page.locator("#allocations tbody tr")
    expect(rows).to_have_count(3)
    for name, amount in (("Ann", "$33.33"), ("Bob", "$33.34"), ("Cy", "$33.33")):
        expect(rows.filter(has_text=f"{name} Buyer").locator("td").nth(1)).to_have_text(amount)
    expect(page.locator("#allocations tfoot")).to_contain_text(re.compile(r"\$100\.00\s*$"))
    _shot(page, "4-budget-detail")
    saved = {a.member.user.first_name: a.amount for a in Allocation.objects.select_related("member__user")}
    assert saved == {"Ann": Decimal("33.33"), "Bob": Decimal("33.34"), "Cy": Decimal("33.33")}

    # The list shows it with its numbers.
    _open_group_budgets(page, group)
    row = page.get_by_role("row", name=re.compile(po_number))
    expect(row).to_contain_text("Marketing 2026")
    expect(row).to_contain_text("$100.00")
    _shot(page, "5-budget-list")


def test_admin_sets_up_a_monthly_budget_with_rollover_and_automatic_allocation_and_a_new_member_gets_theirs(page):
    from playwright.sync_api import expect

    admin = MemberFactory(user__email="admin@monthly.example", is_business_admin=True, business__name="Monthly Co")
    group = GroupFactory(business=admin.business, name="Design", cost_center="DES")
    for first in ("Ann", "Bob"):
        member = MemberFactory(business=admin.business, user__first_name=first, user__last_name="Buyer")
        GroupMembershipFactory(group=group, member=member, role=GroupMembership.Role.BUYER)
    newcomer = MemberFactory(business=admin.business, user__first_name="Nia", user__last_name="New",
                             user__email="nia@monthly.example")
    browser_login(page, admin.user.email)
    page.wait_for_url("**/account/")

    _open_group_budgets(page, group)
    page.get_by_role("link", name="Set up a new blanket purchase order").click()
    page.get_by_label("Name").fill("Design monthly")
    page.get_by_label("Amount").fill("900.00")
    page.get_by_label("Repeats").select_option("monthly")
    page.get_by_label("Full: the unspent money carries into the next period").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("is set up")).to_be_visible()
    expect(page.get_by_role("heading", name="Repeats monthly")).to_be_visible()
    expect(page.locator("#series-periods")).to_contain_text("BPO-DES-")
    budget = Budget.objects.get()
    assert budget.series.rollover == "full" and budget.series.repeats == "monthly"

    page.get_by_role("link", name="Allocations", exact=True).click()
    page.get_by_role("button", name="Add Allocation").click()
    page.get_by_role("link", name="Set automatic allocation").click()
    page.get_by_label("An equal share of the budget").check()
    page.get_by_role("button", name="Set automatic allocation").click()
    expect(page.locator("#allocation-rule")).to_contain_text("An equal share for each member")
    expect(page.get_by_text(re.compile(r"Added Ann Buyer \(450\.00\), Bob Buyer \(450\.00\)"))).to_be_visible()
    _shot(page, "monthly-1-automatic-allocation")

    # A member joins the group: their allocation appears (900 over three: 300 each).
    page.goto(reverse("procurement:group_detail", args=[group.pk]))
    page.get_by_role("link", name="Add a member to this group").first.click()
    page.get_by_label("Member").select_option(label="Nia New <nia@monthly.example>")
    page.get_by_role("button", name="Add to group").click()
    expect(page.get_by_text("Nia New added to Design")).to_be_visible()
    page.goto(reverse("budgets:budget_detail", args=[group.pk, budget.pk]))
    row = page.locator("#allocations tr", has_text="Nia New")
    expect(row).to_contain_text("300.00")
    expect(page.locator("#allocations tr", has_text="Ann Buyer")).to_contain_text("300.00")
    _shot(page, "monthly-2-new-member-allocation")
    assert Allocation.objects.get(budget=budget, member=newcomer).amount == Decimal("300.00")
