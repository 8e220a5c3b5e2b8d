"""Webhooks: the outbox row is written in the event's transaction and sent after commit, signed;
failures back off and retry (manage.py webhooks_send); the log resends; admins only."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from budgets.models import Budget
from orders.approvals.services import order_approve, order_reject
from orders.finance.payments import payment_record
from orders.fulfilment.services import shipment_create
from procurement.models import WebhookDelivery, WebhookEndpoint
from procurement.webhooks import (
    MAX_ATTEMPTS, Event, WebhookError, backoff_seconds, deliveries_send_due, signature_verify, webhook_emit,
    webhook_endpoint_create,
)
from tests.factories import GroupMembershipFactory, MemberFactory
from tests.support.orders import fill_cart, make_budget, place
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def endpoint(business, receiver):
    return webhook_endpoint_create(business=business, url=receiver.url, events=Event.values)


def _events(receiver):
    return [json.loads(r["body"])["event"] for r in receiver.requests]


def test_order_placed_is_sent_after_commit_and_signed(endpoint, receiver, buyer, group, django_capture_on_commit_callbacks):
    fill_cart(buyer, ("10.00", 1))
    with django_capture_on_commit_callbacks(execute=True):
        order = place(buyer, group).order
        assert receiver.requests == []  # not before the commit
        assert WebhookDelivery.objects.get().status == "pending"  # the outbox row, in the same transaction
    request = receiver.requests[0]
    body = json.loads(request["body"])
    assert body["event"] == "order.placed" and body["data"]["po_number"] == order.po_number
    assert signature_verify(secret=endpoint.secret, body=request["body"], header=request["headers"]["X-Signature"])
    assert not signature_verify(secret="wrong", body=request["body"], header=request["headers"]["X-Signature"])
    assert not signature_verify(secret=endpoint.secret, body=request["body"] + b" ", header=request["headers"]["X-Signature"])
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)


def test_a_rolled_back_event_leaves_no_delivery(endpoint, receiver, buyer, group, django_capture_on_commit_callbacks):
    fill_cart(buyer, ("10.00", 1))
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                place(buyer, group)
                raise RuntimeError("boom")
    assert WebhookDelivery.objects.count() == 0 and receiver.requests == []


def test_only_subscribed_active_endpoints_of_the_business(business, other_business, receiver, django_capture_on_commit_callbacks):
    webhook_endpoint_create(business=business, url=receiver.url, events=["order.shipped"])
    paused = webhook_endpoint_create(business=business, url=receiver.url, events=["order.placed"])
    WebhookEndpoint.objects.filter(pk=paused.pk).update(is_active=False)
    webhook_endpoint_create(business=other_business, url=receiver.url, events=["order.placed"])
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_emit(business=business, event="order.placed", payload={}) == []
    assert receiver.requests == []


def test_failures_back_off_then_the_cron_command_delivers(endpoint, receiver, business, django_capture_on_commit_callbacks):
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        webhook_emit(business=business, event="budget.low", payload={"x": 1})
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert delivery.next_attempt_at > timezone.now() + datetime.timedelta(seconds=backoff_seconds(1) - 5)
    assert deliveries_send_due() == 0  # not due yet
    receiver.status = 204
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    call_command("webhooks_send")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2) and len(receiver.requests) == 2
    assert [backoff_seconds(n) for n in (1, 2, 3)] == [30, 60, 120]


def test_gives_up_after_max_attempts(business, django_capture_on_commit_callbacks):
    endpoint = webhook_endpoint_create(business=business, url="http://127.0.0.1:9/closed", events=["order.placed"])
    webhook_emit(business=business, event="order.placed", payload={})
    for _ in range(MAX_ATTEMPTS):
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        deliveries_send_due()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS) and delivery.last_error


def test_every_service_emits_its_event(endpoint, receiver, buyer, group, business, django_capture_on_commit_callbacks):
    approver = MemberFactory(business=business)
    GroupMembershipFactory(group=group, member=approver, role="approver")
    budget = make_budget(group, amount="1000.00", policy=Budget.Policy.APPROVAL, allocate={buyer: "50.00"},
                         low_funds_alert=Decimal("900.00"))
    with django_capture_on_commit_callbacks(execute=True):
        fill_cart(buyer, ("60.00", 2))
        first = place(buyer, group, budget).order
        fill_cart(buyer, ("60.00", 2))
        second = place(buyer, group, budget).order
        order_approve(order=first, approver=approver, acting_user=approver.user)
        order_reject(order=second, approver=approver, reason="No", acting_user=approver.user)
        first.refresh_from_db()
        line = first.lines.first()
        shipment = shipment_create(order=first, carrier="UPS", tracking_number="1Z", ship_date=datetime.date(2026, 3, 2),
                                   quantities={line.pk: line.quantity}, acting_user=approver.user)
        payment_record(business=business, received_on=datetime.date(2026, 3, 3), amount=shipment.invoice.total,
                       invoice_number=shipment.invoice.number, acting_user=approver.user)
    assert sorted(_events(receiver)) == sorted([
        "order.placed", "order.placed", "order.approved", "budget.low", "order.rejected", "order.shipped",
        "invoice.issued", "invoice.paid",
    ])


def test_endpoint_validation(business, settings):
    with pytest.raises(WebhookError):
        webhook_endpoint_create(business=business, url="ftp://x.example", events=["order.placed"])
    with pytest.raises(WebhookError):
        webhook_endpoint_create(business=business, url="https://x.example", events=["nope"])
    settings.WEBHOOKS_ALLOW_HTTP = False
    for url in ("http://x.example", "https://127.0.0.1/x", "https://10.0.0.5/", "https://[::1]/", "https://localhost/"):
        with pytest.raises(WebhookError):
            webhook_endpoint_create(business=business, url=url, events=["order.placed"])
    assert WebhookEndpoint.objects.count() == 0


def test_pages_register_list_and_resend(client, admin_member, buyer, receiver, business, django_capture_on_commit_callbacks):
    client.force_login(buyer.user)
    assert client.get(reverse("procurement:webhooks")).status_code == 403
    assert client.get(reverse("procurement:webhook_deliveries")).status_code == 403
    client.force_login(admin_member.user)
    assert reverse("procurement:webhooks") in client.get(reverse("procurement:business_settings")).content.decode()
    response = client.post(reverse("procurement:webhooks"), {"url": receiver.url, "events": ["order.placed", "invoice.paid"], "is_active": "on"})
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and endpoint.events == ["invoice.paid", "order.placed"]
    assert endpoint.secret in client.get(reverse("procurement:webhook_edit", args=[endpoint.pk])).content.decode()
    bad = client.post(reverse("procurement:webhooks"), {"url": receiver.url, "events": []})
    assert bad.status_code == 200 and WebhookEndpoint.objects.count() == 1

    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        webhook_emit(business=business, event="order.placed", payload={"po_number": "PO-1"})
    log = client.get(reverse("procurement:webhook_deliveries")).content.decode()
    assert "order.placed" in log and "HTTP 500" in log
    receiver.status = 200
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("procurement:webhook_resend", args=[delivery.pk]))
    assert WebhookDelivery.objects.filter(status="delivered").count() == 1 and len(receiver.requests) == 2
    assert json.loads(receiver.requests[1]["body"])["data"] == {"po_number": "PO-1"}
