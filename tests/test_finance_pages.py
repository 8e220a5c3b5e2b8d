"""Roles and tenant isolation on every finance page, the Find selector, admin support, the demo seeder."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.finance.selectors import finance_find
from orders.seed.finance import seed_payments
from orders.models import Payment
from orders.finance.payments import payment_record
from tests.factories import GroupMembershipFactory, MemberFactory, UserFactory
from tests.support.finance import finance_member, make_invoice

PAGES = ["payments", "payment_create", "statement_import", "reconciliation", "analytics", "orders_report",
         "budget_report", "reconciliation_export", "orders_report_export"]


@pytest.mark.parametrize("name", PAGES)
def test_buyers_get_403_finance_and_admins_get_the_page(client, business, group, buyer, admin_member, name):
    url = reverse(f"orders:{name}")
    client.force_login(buyer.user)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code in (403, 405)
    approver = MemberFactory(business=business)
    GroupMembershipFactory(group=group, member=approver, role="approver")
    client.force_login(approver.user)
    assert client.get(url).status_code == 403
    for member in (finance_member(group), admin_member):
        client.force_login(member.user)
        assert client.get(url).status_code == 200
    client.logout()
    assert "/login/" in client.get(url)["Location"]


def test_pages_show_only_the_members_business(client, business, group, admin_member, other_business, other_member):
    mine = make_invoice(group=group, total="10.00", issued_on=datetime.date(2026, 3, 2), number="INV-MINE-1")
    payment_record(business=business, received_on=datetime.date(2026, 3, 3), amount=Decimal("10.00"),
                   acting_user=None, invoice_number=mine.number, reference="MINE-REF")
    from tests.factories import GroupFactory
    theirs = make_invoice(group=GroupFactory(business=other_business), total="99.00", issued_on=datetime.date(2026, 3, 2),
                          number="INV-THEIRS-1")
    payment_record(business=other_business, received_on=datetime.date(2026, 3, 3), amount=Decimal("99.00"),
                   acting_user=None, invoice_number=theirs.number, reference="THEIRS-REF")
    client.force_login(admin_member.user)
    for name, query in [("payments", ""), ("reconciliation", "?month=2026-03"), ("orders_report", ""),
                        ("reconciliation_export", "?month=2026-03&format=csv"), ("orders_report_export", "?format=csv")]:
        response = client.get(reverse(f"orders:{name}") + query)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"THEIRS" not in body, name
    assert b"MINE-REF" in client.get(reverse("orders:payments")).content
    # Resolving with another business's invoice number finds nothing.
    stray = payment_record(business=business, received_on=datetime.date(2026, 3, 4), amount=Decimal("5.00"), acting_user=None)
    response = client.post(reverse("orders:payment_resolve", args=[stray.pk]), {"number": theirs.number, "action": "apply"}, follow=True)
    assert "No invoice or PO number" in response.content.decode()
    assert Payment.objects.get(pk=stray.pk).status == "unmatched"


def test_record_a_payment_by_hand(client, business, group):
    client.force_login(finance_member(group).user)
    inv = make_invoice(group=group, total="100.00")
    data = {"received_on": "2026-03-10", "amount": "120.00", "method": "ACH", "reference": "manual",
            "po_number": inv.order.po_number, "invoice_number": ""}
    # The invoice was never received (three-way mismatch): paying it asks for a reason first.
    assert "Three-way mismatch" in client.post(reverse("orders:payment_create"), data).content.decode()
    response = client.post(reverse("orders:payment_create"), {**data, "mismatch_reason": "received by phone"}, follow=True)
    assert "20.00 stays as a credit" in response.content.decode()
    inv.refresh_from_db()
    assert inv.status == "paid"
    response = client.post(reverse("orders:payment_create"), {
        "received_on": "2026-03-10", "amount": "-5", "method": "ACH", "po_number": "", "invoice_number": ""})
    assert response.status_code == 200 and Payment.objects.count() == 1
    response = client.post(reverse("orders:payment_create"), {
        "received_on": "2026-03-10", "amount": "5", "method": "ACH", "po_number": "PO-NOPE", "invoice_number": ""})
    assert "No order with PO number PO-NOPE" in response.content.decode() and Payment.objects.count() == 1
    p = Payment.objects.get()
    assert client.get(reverse("orders:payment_detail", args=[p.pk])).status_code == 200


def test_finance_find_by_po_and_invoice_number(business, group, other_business):
    inv = make_invoice(group=group, total="10.00")
    payment_record(business=business, received_on=datetime.date(2026, 3, 3), amount=Decimal("10.00"), acting_user=None,
                   invoice_number=inv.number)
    found = finance_find(business=business, q=inv.order.po_number)
    assert found["invoices"] == [inv] and len(found["payments"]) == 1
    found = finance_find(business=business, q=inv.number.lower())
    assert found["invoices"] == [inv] and len(found["payments"]) == 1
    assert finance_find(business=other_business, q=inv.number) == {"invoices": [], "payments": []}
    assert finance_find(business=business, q=" ") == {"invoices": [], "payments": []}


def test_admin_support_search_and_order_story(client, business, group, other_business):
    inv = make_invoice(group=group, total="10.00")
    payment_record(business=business, received_on=datetime.date(2026, 3, 3), amount=Decimal("10.00"), acting_user=None,
                   po_number=inv.order.po_number)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:orders_payment_support")
    for q in (inv.order.po_number, inv.number, inv.shipment.tracking_number):
        html = client.get(url, {"q": q}).content.decode()
        assert inv.order.po_number in html and business.name in html
    html = client.get(reverse("admin:orders_payment_order_story", args=[inv.order.pk])).content.decode()
    for text in (inv.number, inv.shipment.tracking_number, "Budget charges", "Approvals", "History", "10.00 → " + inv.number):
        assert text in html
    payment = Payment.objects.get(business=business)
    assert client.post(reverse("admin:orders_payment_delete", args=[payment.pk]), {"post": "yes"}).status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()  # payments are never deleted
    client.force_login(UserFactory())  # not staff
    assert client.get(url).status_code == 302


def test_seed_payments_is_idempotent(business, group):
    for day in (2, 3, 4):
        make_invoice(group=group, total="50.00", issued_on=datetime.date(2026, 3, day))
    assert seed_payments(business=business) == 4
    assert seed_payments(business=business) == 0
    assert Payment.objects.filter(business=business, status="unmatched").count() == 1
    assert Payment.objects.filter(business=business, status="matched").count() == 3


def test_payments_list_filters_and_a_bad_date_leaves_the_other_filters_on(client, business, admin_member, other_business):
    from tests.factories import PaymentFactory

    old = PaymentFactory(business=business, received_on=datetime.date(2026, 1, 5), reference="ACME old")
    new = PaymentFactory(business=business, received_on=datetime.date(2026, 3, 5), reference="ACME new")
    over = PaymentFactory(business=business, received_on=datetime.date(2026, 3, 6), reference="Other",
                          status=Payment.Status.MATCHED, amount_applied=Decimal("40.00"))
    PaymentFactory(business=other_business, received_on=datetime.date(2026, 3, 5), reference="ACME theirs")
    client.force_login(admin_member.user)
    url = reverse("orders:payments")

    def shown(**params):
        response = client.get(url, params)
        return response, {p.pk for p in response.context["payments"]}

    assert shown()[1] == {old.pk, new.pk, over.pk}
    assert shown(q="acme")[1] == {old.pk, new.pk}
    assert shown(q="acme", date_from="2026-03-01")[1] == {new.pk}
    assert shown(status="overpaid")[1] == {over.pk}
    assert shown(status="nonsense")[1] == {old.pk, new.pk, over.pk}
    response, pks = shown(q="acme", date_from="March", date_to="2026-02-01")
    assert pks == {old.pk}
    assert "“March” is not a date (YYYY-MM-DD)." in response.content.decode()
