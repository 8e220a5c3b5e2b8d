"""Money and dates for the reader: Babel, the business's currency and its locale (Company details)."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from orders.models import CartItem
from orders.finance.reconciliation import reconciliation_csv, reconciliation_month
from procurement.formatting import format_day, format_money, format_month
from procurement.models import Business
from tests.factories import BusinessFactory, ProductFactory
from tests.support.finance import finance_member, make_invoice

NBSP, NNBSP = "\u00a0", "\u202f"

LOCALES = [
    # locale, currency, money, date, month
    ("en_US", "USD", "$18,308.49", "Mar 5, 2026", "March 2026"),
    ("de_DE", "EUR", f"18.308,49{NBSP}€", "05.03.2026", "März 2026"),
    ("fr_FR", "EUR", f"18{NNBSP}308,49{NBSP}€", "5 mars 2026", "mars 2026"),
]


@pytest.mark.parametrize("locale,currency,money,day,month", LOCALES, ids=[x[0] for x in LOCALES])
def test_three_locales_symbol_separators_and_dates(locale, currency, money, day, month):
    business = Business(locale=locale, currency=currency)
    assert format_money(Decimal("18308.49"), business) == money
    assert format_day(datetime.date(2026, 3, 5), business) == day
    assert format_month(datetime.date(2026, 3, 5), business) == month
    # The template filter says the same.
    html = Template("{% load money %}{{ a|money:b }}|{{ d|day:b }}").render(
        Context({"a": Decimal("18308.49"), "b": business, "d": datetime.date(2026, 3, 5)}))
    assert html == f"{money}|{day}"


def test_negative_none_and_other_currency():
    assert format_money(Decimal("-5"), Business(locale="en_US", currency="USD")) == "-$5.00"
    assert format_money(None, Business()) == ""
    assert format_money(Decimal("1234.5"), Business(locale="en_GB", currency="GBP")) == "£1,234.50"
    assert format_money(Decimal("1234.5"), Business(locale="en_US", currency="EUR")) == "€1,234.50"
    # A missing or broken locale falls back to en_US rather than failing the page.
    assert format_money(Decimal("1"), Business(locale="xx_??", currency="USD")) == "$1.00"


@pytest.mark.django_db
@pytest.mark.parametrize("locale,currency,money,day,month", LOCALES, ids=[x[0] for x in LOCALES])
def test_pages_format_for_the_business(client, buyer, locale, currency, money, day, month):
    Business.objects.filter(pk=buyer.business_id).update(locale=locale, currency=currency)
    CartItem.objects.create(business=buyer.business, member=buyer, product=ProductFactory(unit_price=Decimal("18308.49")), quantity=1)
    client.force_login(buyer.user)
    html = client.get(reverse("orders:cart")).content.decode()
    assert money in html


@pytest.mark.django_db
def test_invoice_document_and_export_keep_numbers_plain(client, group):
    Business.objects.filter(pk=group.business_id).update(locale="de_DE", currency="EUR")
    invoice = make_invoice(group=group, total="18308.49", issued_on=datetime.date(2026, 3, 5))
    member = finance_member(group)
    client.force_login(member.user)
    html = client.get(reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number})).content.decode()
    assert f"18.308,49{NBSP}€" in html and "05.03.2026" in html
    # The export's data columns stay machine-readable; the summary adds the amount written for people.
    business = Business.objects.get(pk=group.business_id)
    csv_text = reconciliation_csv(business=business, summary=reconciliation_month(business=business, year=2026, month=3))
    assert f"{invoice.number}," in csv_text and ",18308.49," in csv_text
    assert f"Invoiced,18308.49,18.308,49{NBSP}€" in csv_text.replace('"', "")


@pytest.mark.django_db
def test_company_details_sets_the_locale(client, admin_member):
    client.force_login(admin_member.user)
    business = admin_member.business
    data = {"name": business.name, "address_line1": "Hauptstraße 1", "city": "Berlin", "postal_code": "10115",
            "country": "Germany", "currency": "eur", "locale": "de_DE"}
    response = client.post(reverse("procurement:company"), data)
    assert response.status_code == 302
    business.refresh_from_db()
    assert (business.currency, business.locale) == ("EUR", "de_DE")
    bad = client.post(reverse("procurement:company"), {**data, "locale": "xx_YY"})
    assert bad.status_code == 200 and "locale" in bad.context["form"].errors
    business.refresh_from_db()
    assert business.locale == "de_DE"
    # A currency code that does not exist is refused.
    bad = client.post(reverse("procurement:company"), {**data, "currency": "ABC"})
    assert bad.status_code == 200 and "currency" in bad.context["form"].errors
    assert BusinessFactory().locale == "en_US"
