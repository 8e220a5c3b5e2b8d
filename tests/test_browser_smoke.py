import pytest
from playwright.sync_api import expect

from tests.support.browser import browser_login
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_logs_in_and_lands_in_your_account_for_business(page):
    member = MemberFactory(user__email="smoke@example.com", business__name="Smoke Ltd")
    browser_login(page, member.user.email)
    page.wait_for_url("**/account/")
    expect(page.get_by_role("heading", name="Your Account for Business")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Smoke Ltd")
