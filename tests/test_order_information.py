"""Order information fields (GL code, project code, ...): definitions, checkout validation, snapshots,
where the values show (order page, documents, Find, report and exports, API, e-invoice BT-10), the
choice search endpoint, the settings pages and the demo seed."""

import csv
import io
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from orders.checkout.selectors import order_fields_for_group
from orders.checkout.services import CheckoutError
from orders.documents.einvoice import einvoice_from, invoice_ubl
from orders.information.selectors import SEARCH_PAGE_SIZE
from orders.information.services import (
    OrderInformationInvalid,
    choices_parse,
    order_field_choice_set_active,
    order_field_choices_add,
    order_field_create,
    order_field_set_active,
    order_field_update,
    order_information_validate,
)
from orders.models import CartItem, Order, OrderField, OrderFieldChoice, OrderFieldValue
from procurement.errors import InvalidInput
from tests.factories import AddressFactory, GroupFactory, GroupMembershipFactory, MemberFactory
from tests.support.api import api_client
from tests.support.einvoice import fatal
from tests.support.finance import finance_member, make_invoice
from tests.support.orders import fill_cart, make_buyer, place

pytestmark = pytest.mark.django_db

Type = OrderField.Type


@pytest.fixture
def gl(business):
    field = order_field_create(business=business, name="GL code", type=Type.CHOICE, required=True, acting_user=None)
    order_field_choices_add(field=field, text="6100, Office supplies\n6200, Rent\n7000, Lab supplies", acting_user=None)
    return field


@pytest.fixture
def project(business):
    return order_field_create(business=business, name="Project code", type=Type.TEXT, acting_user=None)


@pytest.fixture
def hours(business):
    return order_field_create(business=business, name="Hours", type=Type.NUMBER, min_value=Decimal("0"),
                              max_value=Decimal("1000"), acting_user=None)


def _values(order):
    return {v.name: v.display for v in order.information}


# --- Checkout service ------------------------------------------------------------------------------


def test_required_field_missing_is_refused_and_nothing_is_saved(buyer, group, gl):
    fill_cart(buyer, ("10.00", 1))
    with pytest.raises(CheckoutError, match="Enter GL code"):
        place(buyer, group)
    assert not Order.objects.exists() and not OrderFieldValue.objects.exists()
    assert CartItem.objects.filter(member=buyer).count() == 1


def test_values_are_stored_as_snapshots_by_id_or_name(buyer, group, gl, project, hours):
    fill_cart(buyer, ("10.00", 1))
    order = place(buyer, group, information={gl.pk: "6100", "project code": " PRJ-7 ", "Hours": "12.50"}).order
    assert _values(order) == {"GL code": "6100 · Office supplies", "Project code": "PRJ-7", "Hours": "12.5"}
    assert [v.name for v in order.information] == ["GL code", "Project code", "Hours"]  # position order


@pytest.mark.parametrize("raw,message", [
    ("abc", "is not a number"), ("1,5", "is not a number"), ("NaN", "out of range"), ("1e20", "out of range"),
    ("1.23456", "at most 4 decimal places"), ("-1", "enter 0 or more"), ("1000.01", "enter 1000 or less"),
])
def test_number_fields_parse_decimals_within_bounds(business, group, hours, raw, message):
    with pytest.raises(OrderInformationInvalid, match=message):
        order_information_validate(business=business, group=group, values={hours.pk: raw})


def test_choice_must_be_an_active_choice_of_that_field(business, group, gl):
    other = order_field_create(business=business, name="Cost object", type=Type.CHOICE, acting_user=None)
    order_field_choices_add(field=other, text="9999", acting_user=None)
    with pytest.raises(OrderInformationInvalid, match="“9999” is not on the list"):
        order_information_validate(business=business, group=group, values={gl.pk: "9999"})
    rent = OrderFieldChoice.objects.get(field=gl, value="6200")
    order_field_choice_set_active(choice=rent, active=False, acting_user=None)
    with pytest.raises(OrderInformationInvalid, match="not on the list"):
        order_information_validate(business=business, group=group, values={gl.pk: "6200"})
    [value] = order_information_validate(business=business, group=group, values={"GL CODE": "7000"})
    assert (value.value, value.label) == ("7000", "Lab supplies")


def test_text_is_bounded_and_unknown_fields_are_refused(business, group, project):
    with pytest.raises(OrderInformationInvalid, match="longer than 200"):
        order_information_validate(business=business, group=group, values={project.pk: "x" * 201})
    with pytest.raises(OrderInformationInvalid, match="“Colour” is not an order information field"):
        order_information_validate(business=business, group=group, values={"Colour": "red"})


def test_fields_apply_to_their_groups_only(business, group, buyer):
    lab = GroupFactory(business=business, name="Lab")
    only_lab = order_field_create(business=business, name="Grant", type=Type.TEXT, required=True, groups=[lab], acting_user=None)
    everyone = order_field_create(business=business, name="Project code", type=Type.TEXT, acting_user=None)
    assert order_fields_for_group(business=business, group=group) == [everyone]
    assert order_fields_for_group(business=business, group=lab) == [only_lab, everyone]
    fill_cart(buyer, ("5.00", 1))
    assert place(buyer, group).order.information == []  # the Lab's required field is not asked here
    with pytest.raises(CheckoutError, match="not an order information field"):
        fill_cart(buyer, ("5.00", 1))
        place(buyer, group, information={"Grant": "G-1"})


def test_editing_a_definition_leaves_past_orders_unchanged(buyer, group, gl, project):
    fill_cart(buyer, ("10.00", 1))
    order = place(buyer, group, information={"GL code": "6100", "Project code": "PRJ-1"}).order
    order_field_update(field=gl, name="Ledger account", type=Type.TEXT, required=False, acting_user=None)
    order_field_choices_add(field=OrderField.objects.create(business=gl.business, name="X", type=Type.CHOICE),
                            text="1", acting_user=None)
    OrderFieldChoice.objects.filter(value="6100").update(label="Renamed")
    order_field_set_active(field=project, active=False, acting_user=None)
    order.refresh_from_db()
    assert _values(order) == {"GL code": "6100 · Office supplies", "Project code": "PRJ-1"}
    assert OrderField.history.filter(id=gl.pk).count() == 2  # the definition's change is recorded


def test_inactive_fields_are_no_longer_asked(business, group, gl):
    order_field_set_active(field=gl, active=False, acting_user=None)
    assert order_fields_for_group(business=business, group=group) == []


# --- Checkout page ---------------------------------------------------------------------------------


def _checkout_post(client, group, **extra):
    data = {"group": group.pk, "checkout_token": str(uuid.uuid4()), "address": group.shipping_address_id, **extra}
    return client.post(reverse("orders:checkout"), data)


def test_checkout_page_asks_the_fields_and_shows_clear_errors(client, buyer, group, gl, hours):
    fill_cart(buyer, ("10.00", 1))
    client.force_login(buyer.user)
    page = client.get(reverse("orders:checkout")).content.decode()
    assert "GL code" in page and f'data-combobox-url="/account/order-information/{gl.pk}/choices/"' in page
    assert "js/combobox.js" in page
    response = _checkout_post(client, group, **{f"info_{hours.pk}": "lots"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter GL code: your business requires it on every order." in html and "Hours: “lots” is not a number." in html
    assert not Order.objects.exists()
    response = _checkout_post(client, group, **{f"info_{gl.pk}": "6200", f"info_{hours.pk}": "3"})
    order = Order.objects.get()
    assert response.status_code == 302 and _values(order) == {"GL code": "6200 · Rent", "Hours": "3"}
    page = client.get(reverse("orders:order_detail", kwargs={"po_number": order.po_number})).content.decode()
    assert "GL code" in page and "6200 · Rent" in page


def test_find_by_po_number_shows_the_values(client, buyer, group, gl):
    for _ in range(2):
        fill_cart(buyer, ("10.00", 1))
        place(buyer, group, information={"GL code": "7000"})
    client.force_login(buyer.user)
    html = client.get(reverse("orders:find"), {"q": "PO-"}).content.decode()
    assert html.count("GL code: 7000 · Lab supplies") == 2


# --- Documents and e-invoice -----------------------------------------------------------------------


def pdf_text(response) -> str:
    from pypdf import PdfReader

    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _information(order, **values):
    for position, (name, value) in enumerate(values.items()):
        OrderFieldValue.objects.create(business=order.business, order=order, name=name.replace("_", " "), value=value, position=position)


def test_invoice_html_pdf_and_packing_slip_show_the_values(client, business, admin_member):
    invoice = make_invoice(group=GroupFactory(business=business))
    _information(invoice.order, GL_code="6100", Project_code="PRJ-2026-014")
    client.force_login(admin_member.user)
    html = client.get(reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number})).content.decode()
    assert "GL code" in html and "6100" in html and "PRJ-2026-014" in html
    text = pdf_text(client.get(reverse("orders:invoice_pdf", kwargs={"invoice_number": invoice.number})))
    assert "GL CODE 6100" in text and "PRJ-2026-014" in text  # the PDF's table headings are upper case
    kwargs = {"po_number": invoice.order.po_number, "shipment_id": invoice.shipment_id}
    slip = client.get(reverse("orders:packing_slip", kwargs=kwargs)).content.decode()
    assert "Project code" in slip and "PRJ-2026-014" in slip


def test_einvoice_buyer_reference_is_the_values_when_the_group_has_no_cost_center(business):
    invoice = make_invoice(group=GroupFactory(business=business, cost_center=""))
    _information(invoice.order, GL_code="6100", Project_code="P-7")
    assert einvoice_from(invoice).buyer_reference == "GL code 6100; Project code P-7"
    assert fatal(invoice_ubl(invoice), syntax="UBL") == []
    with_cc = make_invoice(group=GroupFactory(business=business, cost_center="CC-9"))
    _information(with_cc.order, GL_code="6100")
    assert einvoice_from(with_cc).buyer_reference == "CC-9"


# --- Orders report ---------------------------------------------------------------------------------


@pytest.fixture
def reported(business, buyer, group, gl, project):
    orders = []
    for code, prj in [("6100", "PRJ-1"), ("6200", ""), ("6100", "PRJ-2")]:
        fill_cart(buyer, ("10.00", 1))
        orders.append(place(buyer, group, information={"GL code": code, "Project code": prj}).order)
    return orders


def test_report_has_a_column_and_a_filter_per_field(client, group, gl, project, reported, django_assert_max_num_queries):
    client.force_login(finance_member(group).user)
    url = reverse("orders:orders_report")
    with django_assert_max_num_queries(14):
        html = client.get(url, {f"field_{gl.pk}": "6100"}).content.decode()
    assert "<th scope=\"col\">GL code</th>" in html and "PRJ-2" in html and "PRJ-1" in html
    assert reported[1].po_number not in html
    assert f'name="field_{gl.pk}" value="6100"' in html
    html = client.get(url, {f"field_{gl.pk}": "6100", f"field_{project.pk}": "PRJ-2"}).content.decode()
    assert reported[2].po_number in html and reported[0].po_number not in html


def test_report_page_query_count_is_flat(client, buyer, group, gl, django_assert_max_num_queries):
    client.force_login(finance_member(group).user)
    for _ in range(3):
        fill_cart(buyer, ("10.00", 1))
        place(buyer, group, information={"GL code": "6100"})
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("orders:orders_report"))
    for _ in range(12):
        fill_cart(buyer, ("10.00", 1))
        place(buyer, group, information={"GL code": "6200"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("orders:orders_report"))


def test_report_bad_field_filter_is_a_clear_message(client, group, reported):
    client.force_login(finance_member(group).user)
    response = client.get(reverse("orders:orders_report"), {"field_99999999999999999999": "x"}, follow=True)
    assert response.status_code == 200


def test_csv_and_xlsx_exports_carry_the_field_columns(client, group, gl, project, reported, django_assert_max_num_queries):
    from openpyxl import load_workbook

    client.force_login(finance_member(group).user)
    url = reverse("orders:orders_report_export")
    with django_assert_max_num_queries(14):
        response = client.get(url, {"format": "csv", f"field_{gl.pk}": "6100"})
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][-2:] == ["GL code", "Project code"]
    assert sorted(tuple(r[-2:]) for r in rows[1:]) == [("6100", "PRJ-1"), ("6100", "PRJ-2")]
    response = client.get(url, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-2:] == ("GL code", "Project code")
    assert sorted((r[-2], r[-1] or "") for r in values[1:]) == [("6100", "PRJ-1"), ("6100", "PRJ-2"), ("6200", "")]


def test_streamed_export_queries_stay_flat_per_chunk(business, buyer, group, gl, reported):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.analytics.selectors import orders_report, report_rows
    from orders.information.selectors import report_fields

    fields = report_fields(business=business)
    with CaptureQueriesContext(connection) as one_chunk:
        list(report_rows(orders_report(business=business), chunk_size=100, fields=fields, business_id=business.pk))
    with CaptureQueriesContext(connection) as three_chunks:
        rows = list(report_rows(orders_report(business=business), chunk_size=1, fields=fields, business_id=business.pk))
    assert len(rows) == 3
    assert len(three_chunks) - len(one_chunk) == 3 * 2  # each more chunk: shipments, invoices, values (1 + 2 extra)


# --- Choice search endpoint ------------------------------------------------------------------------


def test_choice_search_is_scoped_paginated_and_limited(client, business, buyer, gl, other_member):
    order_field_choices_add(field=gl, text="\n".join(f"8{n:03},Account {n}" for n in range(45)), acting_user=None)
    client.force_login(buyer.user)
    url = reverse("orders:order_field_choice_search", kwargs={"field_id": gl.pk})
    first = client.get(url, {"q": "8"}).json()
    assert len(first["results"]) == SEARCH_PAGE_SIZE and first["more"] and first["page"] == 1
    third = client.get(url, {"q": "8", "page": "3"}).json()
    assert len(third["results"]) == 5 and not third["more"]
    assert client.get(url, {"q": "lab"}).json()["results"] == [{"value": "7000", "label": "Lab supplies"}]
    assert client.get(url, {"q": "x" * 5000, "page": "99999999999999999999999"}).status_code == 200
    OrderFieldChoice.objects.filter(value="7000").update(active=False)
    assert client.get(url, {"q": "lab"}).json()["results"] == []
    client.force_login(other_member.user)
    assert client.get(url, {"q": ""}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_choice_search_query_count_is_flat(client, buyer, gl, django_assert_max_num_queries):
    order_field_choices_add(field=gl, text="\n".join(str(n) for n in range(3000)), acting_user=None)
    client.force_login(buyer.user)
    with django_assert_max_num_queries(6):
        assert len(client.get(reverse("orders:order_field_choice_search", kwargs={"field_id": gl.pk}), {"q": "1"}).json()["results"]) == 20


# --- Business Settings -> Order information ---------------------------------------------------------


def test_settings_list_empty_state_create_edit_and_deactivate(client, business, admin_member, group):
    client.force_login(admin_member.user)
    html = client.get(reverse("orders:order_fields")).content.decode()
    assert "No order information fields yet." in html
    assert "Order information" in client.get(reverse("procurement:business_settings")).content.decode()
    response = client.post(reverse("orders:order_field_create"), {"name": "GL code", "type": "choice", "required": "on",
                                                                  "groups": [group.pk]}, follow=True)
    field = OrderField.objects.get()
    assert response.redirect_chain[-1][0] == reverse("orders:order_field_choices", kwargs={"field_id": field.pk})
    assert "Field “GL code” added." in response.content.decode()
    assert list(field.groups.all()) == [group] and field.required
    duplicate = client.post(reverse("orders:order_field_create"), {"name": "gl CODE", "type": "text"})
    assert "There is already a field called “gl CODE”." in duplicate.content.decode()
    bad = client.post(reverse("orders:order_field_create"), {"name": "N", "type": "number", "min_value": "5", "max_value": "1"})
    assert "The smallest number is larger than the largest number." in bad.content.decode()
    edit = reverse("orders:order_field_edit", kwargs={"field_id": field.pk})
    assert 'value="GL code"' in client.get(edit).content.decode()
    client.post(edit, {"name": "Ledger account", "type": "choice"})
    field.refresh_from_db()
    assert field.name == "Ledger account" and not field.required and list(field.groups.all()) == []
    response = client.post(reverse("orders:order_field_active", kwargs={"field_id": field.pk}), {"active": "0"}, follow=True)
    assert "deactivated" in response.content.decode()
    field.refresh_from_db()
    assert not field.active


def test_settings_choices_bulk_paste_upload_and_hide(client, admin_member, gl):
    client.force_login(admin_member.user)
    url = reverse("orders:order_field_choices", kwargs={"field_id": gl.pk})
    pasted = "\n".join(f"9{n:03}\tAccount {n}" for n in range(500)) + "\n6100, Stationery"
    response = client.post(url, {"text": pasted}, follow=True)
    assert "500 choices added, 1 updated." in response.content.decode()
    assert OrderFieldChoice.objects.filter(field=gl).count() == 503
    assert OrderFieldChoice.objects.get(field=gl, value="6100").label == "Stationery"
    upload = SimpleUploadedFile("codes.csv", b"\xef\xbb\xbf8000,\"Travel, lodging\"\n8001,Meals\n", content_type="text/csv")
    response = client.post(url, {"file": upload}, follow=True)
    assert "2 choices added, 0 updated." in response.content.decode()
    assert OrderFieldChoice.objects.get(field=gl, value="8000").label == "Travel, lodging"
    assert "Paste at least one value" in client.post(url, {"text": "  "}).content.decode()
    html = client.get(url, {"q": "Travel"}).content.decode()
    assert "8000" in html and "9001" not in html
    choice = OrderFieldChoice.objects.get(field=gl, value="8000")
    client.post(reverse("orders:order_field_choice_active", kwargs={"field_id": gl.pk}), {"choice": choice.pk, "active": "0"})
    choice.refresh_from_db()
    assert not choice.active
    response = client.post(reverse("orders:order_field_choice_active", kwargs={"field_id": gl.pk}), {"choice": "abc"}, follow=True)
    assert response.status_code == 200


def test_choices_parse_formats_and_limits():
    assert choices_parse("6100\n\n6200;Rent\n6300\tTravel, air\n\"6400\",\"A, B\"\n6100,Again") == [
        ("6100", "Again"), ("6200", "Rent"), ("6300", "Travel, air"), ("6400", "A, B"),
    ]
    with pytest.raises(InvalidInput, match="Line 1"):
        choices_parse("x" * 101)


def test_settings_are_for_business_admins_only(client, buyer, gl):
    client.force_login(buyer.user)
    assert client.get(reverse("orders:order_fields")).status_code == 403
    assert client.post(reverse("orders:order_field_choices", kwargs={"field_id": gl.pk}), {"text": "1"}).status_code == 403


def test_settings_list_query_count_is_flat(client, business, admin_member, django_assert_max_num_queries):
    client.force_login(admin_member.user)
    groups = [GroupFactory(business=business) for _ in range(3)]
    for n in range(8):
        order_field_create(business=business, name=f"F{n}", type=Type.CHOICE, groups=groups, acting_user=None)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("orders:order_fields")).status_code == 200


# --- API -------------------------------------------------------------------------------------------


def test_api_places_with_values_validates_them_and_shows_them(business, buyer, group, gl, django_assert_max_num_queries):
    fill_cart(buyer, ("10.00", 1))
    client = api_client(buyer)
    body = {"group_id": group.pk, "address_id": group.shipping_address_id}
    refused = client.post(reverse("api:orders"), body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert refused.status_code == 400 and "Enter GL code" in refused.json()["detail"]
    assert not Order.objects.exists()
    placed = client.post(reverse("api:orders"), {**body, "order_information": {"GL code": "6100"}}, format="json",
                         HTTP_IDEMPOTENCY_KEY="k2")
    assert placed.status_code == 201, placed.content
    assert placed.json()["order_information"] == [{"name": "GL code", "value": "6100", "label": "Office supplies"}]
    for _ in range(3):
        fill_cart(buyer, ("1.00", 1))
        place(buyer, group, information={"GL code": "6200"})
    with django_assert_max_num_queries(8):
        listed = client.get(reverse("api:orders")).json()
    assert all(o["order_information"][0]["name"] == "GL code" for o in listed["results"])


# --- Seed ------------------------------------------------------------------------------------------


def test_seed_demo_adds_a_gl_code_list_and_a_project_code_once():
    call_command("seed_demo", "--orders", "6", stdout=io.StringIO())
    gl = OrderField.objects.get(name="GL code")
    assert gl.type == Type.CHOICE and OrderFieldChoice.objects.filter(field=gl).count() >= 300
    assert OrderField.objects.get(name="Project code").type == Type.TEXT
    values = OrderFieldValue.objects.count()
    assert values > 0
    call_command("seed_demo", "--orders", "6", stdout=io.StringIO())
    assert OrderFieldValue.objects.count() == values and OrderField.objects.count() == 2
