"""Who may open which document, and the invoice list (roles, filters, pagination, flat query count)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.documents.services import invoice_issue
from orders.models import Invoice
from tests.factories import GroupFactory, GroupMembershipFactory, MemberFactory
from tests.support.isolation.documents import order_with_lines, ship


@pytest.fixture
def world(business, admin_member, group):
    """An order of `group` with one invoiced shipment, and a member for every role there is."""
    order = order_with_lines(business=business, group=group)
    shipment = ship(order, {order.lines.first(): 1})
    invoice = invoice_issue(shipment=shipment, acting_user=admin_member.user)
    other_group = GroupFactory(business=business)

    def role(role, in_group=group):
        member = MemberFactory(business=business)
        GroupMembershipFactory(group=in_group, member=member, role=role)
        return member

    return {
        "order": order, "shipment": shipment, "invoice": invoice,
        "urls": [
            reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number}),
            reverse("orders:invoice_pdf", kwargs={"invoice_number": invoice.number}),
            *[
                reverse(f"orders:{name}", kwargs={"po_number": order.po_number, "shipment_id": shipment.pk})
                for name in ("packing_slip", "packing_slip_pdf", "shipping_label", "shipping_label_pdf")
            ],
        ],
        "allowed": {
            "the order's buyer": order.buyer,
            "business admin": admin_member,
            "approver of the group": role("approver"),
            "finance of the group": role("finance"),
            "group admin of the group": role("group_admin"),
            # Finance is business-wide (orders/access.py): one bank statement, one month close per business.
            "finance of another group": role("finance", other_group),
        },
        "forbidden": {
            "another buyer of the group": role("buyer"),
            "group admin of another group": role("group_admin", other_group),
            "member without a role": MemberFactory(business=business),
        },
    }


@pytest.mark.django_db
def test_document_roles(client, world, other_member):
    for who, member in world["allowed"].items():
        client.force_login(member.user)
        # Pages for every role; the PDFs (same access code, slower to draw) for two of them.
        pdfs = who in ("the order's buyer", "finance of the group")
        for url in world["urls"]:
            if pdfs or not url.endswith("/pdf/"):
                assert client.get(url).status_code == 200, f"{who} should open {url}"
    for who, member in world["forbidden"].items():
        client.force_login(member.user)
        for url in world["urls"]:
            assert client.get(url).status_code == 403, f"{who} must not open {url}"
    client.force_login(other_member.user)  # another business's admin: the numbers do not exist there
    for url in world["urls"]:
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_shipment_of_another_order_is_not_found_under_this_po_number(client, world, business, admin_member):
    other_order = order_with_lines(business=business, group=world["order"].group, buyer=world["order"].buyer)
    client.force_login(admin_member.user)
    url = reverse("orders:packing_slip", kwargs={"po_number": other_order.po_number, "shipment_id": world["shipment"].pk})
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_invoice_list_roles(client, world):
    url = reverse("orders:invoice_list")
    allowed = world["allowed"]
    client.force_login(allowed["finance of the group"].user)
    assert world["invoice"].number in client.get(url).content.decode()
    client.force_login(allowed["business admin"].user)
    assert world["invoice"].number in client.get(url).content.decode()
    # Finance is business-wide: finance of another group sees this group's invoices too.
    client.force_login(allowed["finance of another group"].user)
    response = client.get(url)
    assert response.status_code == 200 and world["invoice"].number in response.content.decode()
    for who in ("the order's buyer", "approver of the group", "group admin of the group"):
        client.force_login(allowed[who].user)
        assert client.get(url).status_code == 403, who


def _invoices(business, group, count, admin_member, *, start=0):
    """`count` invoices of `group`, one per order, issued on consecutive days of January 2026."""
    numbers = []
    for n in range(start, start + count):
        order = order_with_lines(business=business, group=group, buyer=admin_member, lines=((1, "10.00"),), blanket=False)
        invoice = invoice_issue(shipment=ship(order, {order.lines.get(): 1}), acting_user=admin_member.user,
                                issued_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 28))
        numbers.append(invoice)
    return numbers


@pytest.mark.django_db
def test_invoice_list_filters(client, business, admin_member, group, other_member):
    other_group = GroupFactory(business=business, name="Warehouse")
    ours = _invoices(business, group, 3, admin_member)
    theirs = _invoices(business, other_group, 2, admin_member, start=10)
    Invoice.objects.filter(pk=ours[0].pk).update(status=Invoice.Status.PAID, amount_paid=Decimal("10.00"))
    # Another business's invoices never show, whatever the filter.
    order_elsewhere = order_with_lines(business=other_member.business, lines=((1, "10.00"),), blanket=False)
    elsewhere = invoice_issue(shipment=ship(order_elsewhere, {order_elsewhere.lines.get(): 1}), acting_user=other_member.user)

    client.force_login(admin_member.user)
    url = reverse("orders:invoice_list")

    def listed(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {i.number for i in response.context["invoices"]}

    everyone = {i.number for i in ours + theirs}
    assert listed() == everyone
    assert order_elsewhere.po_number not in client.get(url).content.decode()
    assert elsewhere.pk not in {i.pk for i in client.get(url).context["invoices"]}
    assert listed(status="paid") == {ours[0].number}
    assert listed(status="open") == everyone - {ours[0].number}
    assert listed(group=other_group.pk) == {i.number for i in theirs}
    assert listed(po_number=ours[1].order.po_number) == {ours[1].number}
    assert listed(issued_from="2026-01-02", issued_to="2026-01-11") == {ours[1].number, ours[2].number, theirs[0].number}
    bad = client.get(url, {"issued_from": "2026-02-01", "issued_to": "2026-01-01"})
    assert "The end date is before the start date." in bad.content.decode() and not bad.context["invoices"]
    assert "No invoices match these filters." in bad.content.decode()
    # A group of another business is not a valid choice.
    assert "Select a valid choice" in client.get(url, {"group": order_elsewhere.group_id}).content.decode()


@pytest.mark.django_db
def test_invoice_list_paginates_with_a_flat_query_count(client, business, admin_member, group, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _invoices(business, group, 5, admin_member)
    client.force_login(admin_member.user)
    url = reverse("orders:invoice_list")
    client.get(url)  # warm the session and member caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _invoices(business, group, 50, admin_member, start=5)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["invoices"]) == 25 and response.context["page_obj"].paginator.num_pages == 3
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    with django_assert_max_num_queries(len(small) + 1):  # + validating the group choice
        page3 = client.get(url, {"page": 3, "group": group.pk})
    assert len(page3.context["invoices"]) == 5 and "Previous" in page3.content.decode()
