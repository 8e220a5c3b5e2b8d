"""Every amount entering the app fits the money columns (14 digits, 2 places), or is refused clearly."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.analytics.selectors import ReportFilterError, orders_report
from orders.finance.payments import PaymentError, payment_record
from orders.finance.statements import StatementError, statement_parse
from orders.models import Payment
from procurement.money import MoneyError, money_max, money_parse
from tests.support.finance import finance_member

MAPPING = {"date": "Date", "amount": "Amount", "reference": "Description", "date_format": "%Y-%m-%d"}
TOO_BIG = "1000000000000000.00"


@pytest.mark.parametrize("raw,expected", [
    ("12.3", Decimal("12.30")), ("999999999999.99", Decimal("999999999999.99")), ("1.000", Decimal("1.00")),
    ("-5", Decimal("-5.00")),
])
def test_money_parse_accepts_what_fits(raw, expected):
    assert money_parse(raw) == expected


@pytest.mark.parametrize("raw,message", [
    (TOO_BIG, "too large"), ("1000000000000", "too large"), ("NaN", "must be a number"), ("sNaN", "must be a number"),
    ("Infinity", "must be a number"), ("-inf", "must be a number"), ("1.005", "more than 2 decimal places"),
    ("1e400000", "too large"), ("12abc", "not an amount"), ("", "not an amount"), ("9" * 5000, "not an amount"),
])
def test_money_parse_refuses_what_does_not(raw, message):
    with pytest.raises(MoneyError, match=message):
        money_parse(raw)


def test_money_max_follows_the_column():
    assert money_max() == Decimal("999999999999.99")
    assert money_max(max_digits=12) == Decimal("9999999999.99")


@pytest.mark.django_db
def test_the_bank_row_beyond_the_column_is_refused_by_line(business):
    text = f"Date,Amount,Description\n2026-03-20,{TOO_BIG},PO-1\n2026-03-21,\"1,000,000,000,000.00\",PO-2\n"
    with pytest.raises(StatementError) as caught:
        statement_parse(business=business, text=text, mapping=MAPPING)
    assert len(caught.value.errors) == 2
    assert caught.value.errors[0].startswith("Line 2: The amount 1000000000000000.00 is too large")
    assert caught.value.errors[1].startswith("Line 3: ")


@pytest.mark.django_db
def test_the_statement_page_refuses_the_file_and_saves_nothing(client, business, group):
    member = finance_member(group)
    client.force_login(member.user)
    upload = SimpleUploadedFile("s.csv", f"Date,Amount,Description\n2026-03-20,{TOO_BIG},PO-1\n".encode())
    response = client.post(reverse("orders:statement_import"), {
        "file": upload, "date_column": "Date", "amount_column": "Amount", "reference_column": "Description",
        "date_format": "%Y-%m-%d",
    })
    assert response.status_code == 200
    assert "is too large" in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_the_payment_service_refuses_beyond_the_column(business, admin_member):
    for amount in (Decimal(TOO_BIG), Decimal("NaN"), Decimal("1.001")):
        with pytest.raises(PaymentError):
            payment_record(business=business, received_on=datetime.date(2026, 3, 1), amount=amount,
                           acting_user=admin_member.user)
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_the_payment_form_refuses_beyond_the_column(client, business, group):
    member = finance_member(group)
    client.force_login(member.user)
    for amount in (TOO_BIG, "NaN", "Infinity", "1.001"):
        response = client.post(reverse("orders:payment_create"), {
            "received_on": "2026-03-01", "amount": amount, "method": "ACH",
        })
        assert response.status_code == 200 and "amount" in response.context["form"].errors
    assert not Payment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity", TOO_BIG, "1e999999"])
def test_amount_filters_refuse_with_a_message(client, business, group, value):
    with pytest.raises(ReportFilterError):
        list(orders_report(business=business, filters={"amount_min": value}))
    member = finance_member(group)
    client.force_login(member.user)
    for key in ("amount_min", "amount_max"):
        response = client.get(reverse("orders:orders_report"), {key: value})
        assert response.status_code == 200
        assert "amount filter" in response.content.decode()
        export = client.get(reverse("orders:orders_report_export"), {key: value})
        assert export.status_code == 302
