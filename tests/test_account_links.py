"""Links into the other areas (budgets, orders) appear per role, with the agreed texts and places,
and only where the area's URLs are mounted (`nav_areas`); the links themselves are plain `{% url %}`."""

import pytest
from django.test import override_settings
from django.urls import include, path, reverse

from procurement.models import GroupMembership
from tests.factories import GroupMembershipFactory, MemberFactory

pytestmark = pytest.mark.django_db
Role = GroupMembership.Role


class CoreOnly:
    """A URLconf with the business core alone, as before the other areas land."""

    urlpatterns = [path("", include("procurement.urls_core"))]


AREAS = {
    "Budgets (Blanket PO)": "/account/budgets/",
    "Catalog": "/catalog/",
    "Your Orders": "/account/orders/",
    "Approvals": "/account/approvals/",
    "Invoices": "/account/invoices/",
    "Business Analytics": "/account/analytics/",
    "Reconciliation": "/account/reconciliation/",
}
EXPECTED = {
    Role.BUYER: {"Budgets (Blanket PO)", "Catalog", "Your Orders"},
    Role.APPROVER: {"Budgets (Blanket PO)", "Approvals"},
    Role.FINANCE: {"Budgets (Blanket PO)", "Invoices", "Business Analytics", "Reconciliation"},
}


def _account_cards(body):
    return {text for text, href in AREAS.items() if f'href="{href}">{text}</a></h2>' in body}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_account_links_follow_the_role(client, group, role):
    person = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=person, role=role)
    client.force_login(person.user)
    body = client.get(reverse("procurement:account")).content.decode()
    assert _account_cards(body) == EXPECTED[role]
    assert "Business Settings</a></h2>" not in body


def test_admin_sees_every_area_and_po_numbers_in_business_settings(client, admin_member):
    client.force_login(admin_member.user)
    body = client.get(reverse("procurement:account")).content.decode()
    assert _account_cards(body) == set(AREAS)
    settings_page = client.get(reverse("procurement:business_settings")).content.decode()
    assert 'href="/account/business-settings/po-numbers/">PO numbers</a>' in settings_page


def test_group_page_links_its_budgets_under_billing_and_shipping(client, admin_member, group):
    client.force_login(admin_member.user)
    body = client.get(reverse("procurement:group_detail", kwargs={"group_id": group.pk})).content.decode()
    section = body.split('id="billing-shipping"', 1)[1].split("</section>", 1)[0]
    assert "Billing &amp; Shipping" in section
    assert f'href="/account/business-settings/groups/{group.pk}/budgets/">Budgets (Blanket PO)</a>' in section


@override_settings(ROOT_URLCONF=CoreOnly)
def test_without_those_areas_the_links_are_left_out(client, admin_member, group):
    client.force_login(admin_member.user)
    body = client.get(reverse("procurement:account")).content.decode()
    assert _account_cards(body) == set()
    assert "Business Settings</a></h2>" in body
