"""Month-end: figures that add up, resolving, Close month / Reopen, CSV and XLSX exports."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import MonthClose, Payment
from orders.finance.payments import MonthClosedError, payment_mark_not_ours, payment_record, payment_resolve
from orders.finance.reconciliation import month_close, month_reopen, reconciliation_month
from tests.support.finance import finance_member, make_invoice

D = Decimal


@pytest.fixture
def march(business, group):
    """February: 100 invoiced, 30 paid. March: 200 + 50 invoiced, payments 200 (exact), 80 (for 50: 30 over),
    25 unmatched, 5 not ours."""
    feb = make_invoice(group=group, total="100.00", issued_on=datetime.date(2026, 2, 10))
    payment_record(business=business, received_on=datetime.date(2026, 2, 20), amount=D("30.00"), acting_user=None,
                   invoice_number=feb.number)
    m1 = make_invoice(group=group, total="200.00", issued_on=datetime.date(2026, 3, 3))
    m2 = make_invoice(group=group, total="50.00", issued_on=datetime.date(2026, 3, 4))
    on = datetime.date(2026, 3, 15)
    payment_record(business=business, received_on=on, amount=D("200.00"), acting_user=None, invoice_number=m1.number)
    payment_record(business=business, received_on=on, amount=D("80.00"), acting_user=None, invoice_number=m2.number)
    unmatched = payment_record(business=business, received_on=on, amount=D("70.00"), acting_user=None, reference="WIRE 1")
    stray = payment_record(business=business, received_on=on, amount=D("5.00"), acting_user=None, reference="COFFEE")
    return dict(feb=feb, m1=m1, m2=m2, unmatched=unmatched, stray=stray)


def test_month_figures_add_up(business, march, admin_member):
    payment_mark_not_ours(payment=march["stray"], member=admin_member, acting_user=None)
    s = reconciliation_month(business=business, year=2026, month=3, today=datetime.date(2026, 4, 30))
    assert s.opening == D("70.00")  # 100 invoiced − 30 paid in February
    assert (s.invoiced, s.paid) == (D("250.00"), D("250.00"))
    assert s.closing == s.opening + s.invoiced - s.paid == D("70.00") == s.closing_check
    assert (s.invoices["issued_n"], s.invoices["paid_n"], s.invoices["overdue_n"]) == (2, 2, 0)
    assert (s.payments["matched_n"], s.payments["overpaid_n"], s.payments["overpaid"]) == (1, 1, D("30.00"))
    assert (s.payments["unmatched_n"], s.payments["unmatched"], s.payments["not_ours_n"]) == (1, D("70.00"), 1)
    assert s.received == D("350.00") and s.applied == D("250.00") and s.difference == D("100.00")
    feb = reconciliation_month(business=business, year=2026, month=2, today=datetime.date(2026, 4, 30))
    assert feb.closing == s.opening
    # February's invoice (due 12 March) is partly paid and, seen on 30 April, overdue; not yet on 1 March.
    assert (feb.invoices["partly_n"], feb.invoices["partly"]) == (1, D("70.00"))
    assert (feb.invoices["overdue_n"], feb.invoices["overdue"]) == (1, D("70.00"))
    early = reconciliation_month(business=business, year=2026, month=2, today=datetime.date(2026, 3, 1))
    assert early.invoices["overdue_n"] == 0


def test_resolving_the_unmatched_payment_brings_the_difference_down(business, march, admin_member):
    payment_mark_not_ours(payment=march["stray"], member=admin_member, acting_user=None)
    payment_resolve(payment=march["unmatched"], member=admin_member, acting_user=None, invoice=march["feb"])
    s = reconciliation_month(business=business, year=2026, month=3)
    assert s.difference == D("30.00")  # only the overpaid credit is left
    assert s.closing == D("0.00") == s.closing_check


def test_close_month_blocks_changes_until_reopened_and_both_are_recorded(business, march, admin_member):
    month_close(business=business, year=2026, month=3, member=admin_member, acting_user=admin_member.user)
    with pytest.raises(MonthClosedError):
        payment_resolve(payment=march["unmatched"], member=admin_member, acting_user=None, invoice=march["feb"])
    with pytest.raises(MonthClosedError):
        payment_mark_not_ours(payment=march["stray"], member=admin_member, acting_user=None)
    with pytest.raises(MonthClosedError):
        payment_record(business=business, received_on=datetime.date(2026, 3, 31), amount=D("1.00"), acting_user=None)
    assert Payment.objects.get(pk=march["unmatched"].pk).status == "unmatched"
    # April is open.
    payment_record(business=business, received_on=datetime.date(2026, 4, 1), amount=D("1.00"), acting_user=None)
    month_reopen(business=business, year=2026, month=3, member=admin_member, acting_user=admin_member.user)
    payment_resolve(payment=march["unmatched"], member=admin_member, acting_user=None, invoice=march["feb"])
    events = reconciliation_month(business=business, year=2026, month=3).close_events
    assert [e["closed"] for e in events] == [False, True]
    assert all(e["history_user__email"] == admin_member.user.email for e in events)


def test_pages_close_reopen_resolve_and_export(client, business, group, march):
    member = finance_member(group)
    client.force_login(member.user)
    page = reverse("orders:reconciliation") + "?month=2026-03"
    response = client.get(page)
    assert response.status_code == 200 and b"Close month" in response.content
    # The 70.00 wire names nothing, and the only invoice with a 70.00 balance is February's: it is suggested.
    assert f"Could be: {march['feb'].number}" in response.content.decode()
    assert f'value="{march["feb"].number}"' in response.content.decode()
    response = client.post(reverse("orders:payment_resolve", args=[march["unmatched"].pk]),
                           {"number": march["feb"].number, "action": "apply", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert Payment.objects.get(pk=march["unmatched"].pk).resolved_by == member
    client.post(reverse("orders:reconciliation_close"), {"month": "2026-03", "action": "close"})
    assert MonthClose.objects.get(business=business, year=2026, month=3).closed
    response = client.post(reverse("orders:payment_resolve", args=[march["stray"].pk]), {"action": "not_ours", "next": page}, follow=True)
    assert "March 2026 is closed" in response.content.decode()
    assert Payment.objects.get(pk=march["stray"].pk).status == "unmatched"
    assert b"Reopen" in client.get(page).content
    client.post(reverse("orders:reconciliation_close"), {"month": "2026-03", "action": "reopen"})
    assert not MonthClose.objects.get(business=business, year=2026, month=3).closed

    csv_text = client.get(reverse("orders:reconciliation_export") + "?month=2026-03&format=csv").content.decode()
    assert "Closing balance,0.00" in csv_text and march["m1"].number in csv_text and "WIRE 1" in csv_text
    from openpyxl import load_workbook

    xlsx = client.get(reverse("orders:reconciliation_export") + "?month=2026-03&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    cells = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert cells["Closing balance"] == 0 and cells["Invoiced"] == 250


def test_reconciliation_page_query_count_is_flat(client, business, group, admin_member, django_assert_max_num_queries):
    client.force_login(admin_member.user)
    url = reverse("orders:reconciliation") + "?month=2026-03"

    def grow(n):
        for i in range(n):
            inv = make_invoice(group=group, total="10.00", issued_on=datetime.date(2026, 3, 2))
            payment_record(business=business, received_on=datetime.date(2026, 3, 9), amount=D("12.00"), acting_user=None,
                           invoice_number=inv.number)
            payment_record(business=business, received_on=datetime.date(2026, 3, 9), amount=D("3.00"), acting_user=None)

    grow(5)
    # 21: the page (invoices, payments, credit notes, refunds, the month close) plus the navigation bell.
    with django_assert_max_num_queries(21) as small:
        client.get(url)
    grow(50)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
