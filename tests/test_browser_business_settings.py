"""One real walk in chromium: a visitor creates a business account and reaches a group's
Billing & Shipping section, the place its Budgets (Blanket PO) hang from."""

import pytest
from playwright.sync_api import expect

from procurement.models import Group, Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_then_business_settings_groups_to_a_group_page(page):
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Create a business account").click()

    page.get_by_label("Company name").fill("Initech")
    page.get_by_label("Address", exact=False).first.fill("4120 Freidrich Lane")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State / region").fill("TX")
    page.get_by_label("Postal code").fill("78744")
    page.get_by_label("First name").fill("Bill")
    page.get_by_label("Last name").fill("Lumbergh")
    page.get_by_label("Email").fill("bill@initech.example")
    page.locator("#id_password1").fill("tps-reports-2026")
    page.locator("#id_password2").fill("tps-reports-2026")
    page.get_by_role("button", name="Create a business account").click()

    page.wait_for_url("**/account/")
    expect(page.get_by_role("heading", name="Your Account for Business")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Initech")

    page.get_by_role("main").get_by_role("link", name="Business Settings").click()
    page.wait_for_url("**/account/business-settings/")
    members_section = page.get_by_role("region", name="Members")
    members_section.get_by_role("link", name="Groups").click()
    page.wait_for_url("**/business-settings/groups/")
    page.get_by_role("link", name="Create a group").first.click()
    page.get_by_label("Name").fill("Accounting")
    page.get_by_label("Cost center").fill("CC-410")
    page.get_by_label("Location").fill("Austin")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Group “Accounting” created.")).to_be_visible()

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Groups").click()
    page.get_by_role("link", name="Accounting").click()
    group = Group.objects.get(name="Accounting")
    page.wait_for_url(f"**/account/business-settings/groups/{group.pk}/")
    expect(page.get_by_role("heading", name="Accounting", level=1)).to_be_visible()
    billing = page.get_by_role("region", name="Billing & Shipping")
    expect(billing).to_be_visible()
    expect(billing.get_by_role("heading", name="Default shipping address")).to_be_visible()
    admin = Member.objects.select_related("business").get(user__email="bill@initech.example")
    assert admin.is_business_admin and group.business_id == admin.business_id and group.cost_center == "CC-410"
