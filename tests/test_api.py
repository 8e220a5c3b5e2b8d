"""The JSON API (/api/v1/): tokens, scoping and roles as on the web pages, idempotent placing,
approvals, invoices, budgets, payments, statements, the cursor report, rate limits, problem details, docs."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgets.models import Budget
from orders.api.throttling import TokenRateThrottle
from orders.models import Invoice, Order, Payment
from procurement.models import ApiToken
from tests.factories import GroupMembershipFactory, MemberFactory, ProductFactory
from tests.support.api import api_client, token_for
from tests.support.finance import finance_member, make_invoice
from tests.support.orders import fill_cart, make_budget, make_buyer, place

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert body["status"] == status
    return body


# --- Tokens ------------------------------------------------------------------------------------------


def test_token_page_shows_the_token_once_and_stores_only_its_hash(client, buyer):
    client.force_login(buyer.user)
    response = client.post(reverse("procurement:api_tokens"), {"name": "Accounting", "expires_in_days": 90})
    raw = response.context["new_token"]
    assert raw.startswith("pk_") and raw in response.content.decode()
    token = ApiToken.objects.get(member=buyer)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest() and token.prefix in raw
    assert raw not in str(list(ApiToken.objects.values()))
    assert raw not in client.get(reverse("procurement:api_tokens")).content.decode()  # never shown again
    assert api_client(token=raw).get(reverse("api:orders")).status_code == 200

    client.post(reverse("procurement:api_token_revoke", args=[token.pk]))
    _problem(api_client(token=raw).get(reverse("api:orders")), 401)


def test_expired_unknown_and_missing_tokens_are_401(buyer):
    raw = token_for(buyer)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    _problem(api_client(token=raw).get(reverse("api:orders")), 401)
    _problem(api_client(token="pk_nope_nope").get(reverse("api:orders")), 401)
    body = _problem(api_client().get(reverse("api:orders")), 401)
    assert body["instance"] == "/api/v1/orders/"


def test_the_user_menu_links_the_token_page(client, buyer):
    client.force_login(buyer.user)
    assert reverse("procurement:api_tokens") in client.get(reverse("procurement:account")).content.decode()


def test_a_member_cannot_revoke_another_members_token(client, buyer, group):
    other = make_buyer(group, "other@example.com")
    raw = token_for(other)
    client.force_login(buyer.user)
    token = ApiToken.objects.get(member=other)
    assert client.post(reverse("procurement:api_token_revoke", args=[token.pk])).status_code == 404
    assert api_client(token=raw).get(reverse("api:orders")).status_code == 200


# --- Orders ------------------------------------------------------------------------------------------


def test_orders_list_is_scoped_like_the_web_pages(buyer, group, admin_member):
    other = make_buyer(group, "colleague@example.com")
    fill_cart(buyer, ("10.00", 1))
    mine = place(buyer, group).order
    fill_cart(other, ("20.00", 1))
    theirs = place(other, group).order
    seen = [o["po_number"] for o in api_client(buyer).get(reverse("api:orders")).json()["results"]]
    assert seen == [mine.po_number]
    _problem(api_client(buyer).get(reverse("api:order_detail", args=[theirs.po_number])), 404)
    admin = api_client(admin_member)
    assert {o["po_number"] for o in admin.get(reverse("api:orders")).json()["results"]} == {mine.po_number, theirs.po_number}
    filtered = admin.get(reverse("api:orders"), {"po_number": theirs.po_number}).json()["results"]
    assert [o["po_number"] for o in filtered] == [theirs.po_number]
    detail = admin.get(reverse("api:order_detail", args=[mine.po_number])).json()
    assert detail["total"] == "10.00" and detail["lines"][0]["quantity"] == 1
    _problem(admin.get(reverse("api:orders"), {"placed_from": "not-a-date"}), 400)


def test_place_order_with_idempotency_key(buyer, group):
    budget = make_budget(group, amount="500.00")
    product = ProductFactory(unit_price=Decimal("12.50"))
    client = api_client(buyer)
    body = {"group_id": group.pk, "budget_id": budget.pk, "address_id": group.shipping_address.pk,
            "lines": [{"sku": product.sku, "quantity": 2}]}
    _problem(client.post(reverse("api:orders"), body, format="json"), 400)  # no Idempotency-Key
    first = client.post(reverse("api:orders"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = client.post(reverse("api:orders"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["po_number"] == first.json()["po_number"]
    assert Order.objects.count() == 1
    budget.refresh_from_db()
    assert budget.spent == Decimal("25.00")
    second = client.post(reverse("api:orders"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert second.status_code == 201 and Order.objects.count() == 2


def test_place_order_refusals_are_problems_and_save_nothing(buyer, group, other_member):
    budget = make_budget(group, amount="10.00")
    product = ProductFactory(unit_price=Decimal("50.00"))
    client = api_client(buyer)
    body = {"group_id": group.pk, "budget_id": budget.pk, "address_id": group.shipping_address.pk,
            "lines": [{"sku": product.sku, "quantity": 1}]}
    body_ = _problem(client.post(reverse("api:orders"), body, format="json", HTTP_IDEMPOTENCY_KEY="a"), 400)
    assert body_["title"] == "Request refused"
    _problem(client.post(reverse("api:orders"), {**body, "lines": [{"sku": "NOPE", "quantity": 1}]}, format="json",
                         HTTP_IDEMPOTENCY_KEY="b"), 400)
    _problem(client.post(reverse("api:orders"), {**body, "lines": [{"sku": product.sku, "quantity": 0}]}, format="json",
                         HTTP_IDEMPOTENCY_KEY="c"), 400)
    # Another business's member cannot order for this group.
    _problem(api_client(other_member).post(reverse("api:orders"), body, format="json", HTTP_IDEMPOTENCY_KEY="d"), 400)
    assert Order.objects.count() == 0


@pytest.fixture
def pending(buyer, group):
    budget = make_budget(group, amount="1000.00", policy=Budget.Policy.APPROVAL, allocate={buyer: "50.00"})
    fill_cart(buyer, ("60.00", 2))
    return place(buyer, group, budget).order


def test_approve_and_reject_through_the_api(pending, buyer, group):
    approver = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=approver, role="approver")
    # The buyer may see the order but not approve it: the service's role check answers.
    _problem(api_client(buyer).post(reverse("api:order_approve", args=[pending.po_number])), 400)
    response = api_client(approver).post(reverse("api:order_approve", args=[pending.po_number]))
    assert response.status_code == 200 and response.json()["status"] == "placed"
    _problem(api_client(approver).post(reverse("api:order_reject", args=[pending.po_number]), {"reason": "x"}, format="json"), 400)

    fill_cart(buyer, ("60.00", 2))
    other = place(buyer, group, pending.budget).order
    _problem(api_client(approver).post(reverse("api:order_reject", args=[other.po_number]), {}, format="json"), 400)
    response = api_client(approver).post(reverse("api:order_reject", args=[other.po_number]), {"reason": "Too much"}, format="json")
    assert response.json()["status"] == "rejected" and response.json()["rejection_reason"] == "Too much"


# --- Invoices, payments, statements --------------------------------------------------------------


def test_invoices_need_finance_and_show_po_number(buyer, group):
    invoice = make_invoice(group=group, buyer=buyer, total="80.00")
    _problem(api_client(buyer).get(reverse("api:invoices")), 403)
    finance = api_client(finance_member(group))
    rows = finance.get(reverse("api:invoices")).json()["results"]
    assert [r["number"] for r in rows] == [invoice.number] and rows[0]["po_number"] == invoice.order.po_number
    detail = finance.get(reverse("api:invoice_detail", args=[invoice.number])).json()
    assert detail["balance_due"] == "80.00" and detail["lines"][0]["amount"] == "80.00"
    assert detail["downloads"]["html"]
    ubl = finance.get(detail["downloads"]["ubl"])
    assert ubl.status_code == 200 and ubl["Content-Type"] == "application/xml"
    assert invoice.order.po_number.encode() in ubl.content and b"<cbc:ID>" in ubl.content
    _problem(api_client(buyer).get(detail["downloads"]["ubl"]), 403)
    assert finance.get(reverse("api:invoices"), {"status": "paid"}).json()["results"] == []


def test_record_payment_applies_it_to_the_invoice(group, buyer):
    invoice = make_invoice(group=group, buyer=buyer, total="80.00")
    finance = api_client(finance_member(group))
    response = finance.post(reverse("api:payments"), {
        "received_on": "2026-03-10", "amount": "80.00", "invoice_number": invoice.number, "reference": "wire",
    }, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["invoices"] == [invoice.number] and response.json()["status"] == "matched"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert [p["amount"] for p in finance.get(reverse("api:payments")).json()["results"]] == ["80.00"]
    _problem(finance.post(reverse("api:payments"), {"received_on": "2026-03-10", "amount": "-1"}, format="json"), 400)
    _problem(api_client(buyer).get(reverse("api:payments")), 403)


def test_statement_import_matches_and_a_second_import_adds_nothing(group, buyer):
    invoice = make_invoice(group=group, buyer=buyer, total="80.00")
    finance = api_client(finance_member(group))
    csv = f"Date,Amount,Description\n2026-03-11,80.00,Payment {invoice.order.po_number}\n"
    preview = finance.post(reverse("api:statement_import"), {"csv": csv, "preview": True}, format="json")
    assert preview.status_code == 200 and preview.json()["saved"] is False and Payment.objects.count() == 0
    assert preview.json()["rows"][0]["invoices"] == [invoice.number]
    saved = finance.post(reverse("api:statement_import"), {"csv": csv}, format="json")
    assert saved.status_code == 201 and saved.json()["matched"] == 1
    again = finance.post(reverse("api:statement_import"), {"csv": csv}, format="json")
    assert again.json()["duplicates"] == 1 and Payment.objects.count() == 1
    body = _problem(finance.post(reverse("api:statement_import"), {"csv": "Date,Amount\nx,y\n"}, format="json"), 400)
    assert body["errors"]["csv"]


# --- Budgets and the report ------------------------------------------------------------------------


def test_budgets_balances_and_ledger(buyer, group, admin_member):
    budget = make_budget(group, amount="300.00", allocate={buyer: "100.00"})
    fill_cart(buyer, ("40.00", 1))
    place(buyer, group, budget)
    admin = api_client(admin_member)
    row = admin.get(reverse("api:budgets")).json()["results"][0]
    assert (row["amount"], row["spent"], row["remaining"]) == ("300.00", "40.00", "260.00")
    detail = admin.get(reverse("api:budget_detail", args=[budget.pk])).json()
    assert detail["allocations"][0]["remaining"] == "60.00"
    ledger = admin.get(reverse("api:budget_ledger", args=[budget.pk])).json()["results"]
    assert [(e["kind"], e["amount"]) for e in ledger] == [("charge", "40.00")]
    mine = api_client(buyer).get(reverse("api:budgets")).json()["results"][0]
    assert mine["my_allocated"] == "100.00" and mine["my_spent"] == "40.00"
    _problem(api_client(buyer).get(reverse("api:budget_ledger", args=[budget.pk])), 403)


def test_orders_report_pages_by_cursor(group, buyer, admin_member):
    for _ in range(5):
        fill_cart(buyer, ("5.00", 1))
        place(buyer, group)
    client = api_client(admin_member)
    page = client.get(reverse("api:orders_report"), {"page_size": 2}).json()
    seen = []
    while True:
        seen += [r["po_number"] for r in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert len(seen) == 5 and len(set(seen)) == 5
    _problem(client.get(reverse("api:orders_report"), {"cursor": "garbage"}), 404)


# --- Limits, schema, docs --------------------------------------------------------------------------


def test_rate_limit_is_per_token(buyer, monkeypatch, settings):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    first, second = api_client(buyer), api_client(buyer)
    for _ in range(3):
        assert first.get(reverse("api:orders")).status_code == 200
    body = _problem(first.get(reverse("api:orders")), 429)
    assert body["title"] == "Too many requests"
    assert second.get(reverse("api:orders")).status_code == 200  # its own bucket
    cache.clear()


def test_schema_and_docs_are_served_from_our_own_files(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
    assert "/api/v1/orders/{po_number}/approve/" in schema.json()["paths"]
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    import re

    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "<style" not in html and not re.search(r"<script>", html)
    csp = docs["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    for asset in assets:
        path = asset.split("?")[0]
        if path.startswith("/static/"):
            from django.contrib.staticfiles import finders

            assert finders.find(path.removeprefix("/static/")), path
    script = client.get(next(a for a in assets if "script" in a).replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
