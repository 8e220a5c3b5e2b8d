"""Webhooks: the outbox row is written in the event's transaction and sent after commit, signed;
failures back off and retry (manage.py webhooks_send); the log resends; admins only.

Delivery is a background job (procurement/tasks.py): enqueued after commit, idempotent (a delivered,
failed, not-yet-due or locked row is skipped), retried on the back-off schedule, and swept by celery
beat (CELERY_BEAT_SCHEDULE) or the cron command."""

import datetime
import json
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from budgets.models import Budget
from orders.approvals.services import order_approve, order_reject
from orders.finance.payments import payment_record
from orders.fulfilment.services import shipment_create
from procurement.celery import app
from procurement.models import WebhookDelivery, WebhookEndpoint
from procurement.tasks import RETRY_BY_SWEEP, SKIPPED, webhook_deliver, webhooks_send_due
from procurement.webhooks import (
    MAX_ATTEMPTS, Event, WebhookError, backoff_seconds, deliveries_send_due, signature_verify, webhook_emit,
    webhook_endpoint_create,
)
from tests.factories import GroupMembershipFactory, MemberFactory
from tests.support.orders import fill_cart, make_budget, place
from tests.support.threads import run_at_once
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


# --- Delivery as a background job (procurement/tasks.py) ------------------------------------------


@pytest.fixture
def delivery(business, receiver):
    """One pending outbox row (emitted without running the commit hooks, so nothing is sent yet)."""
    webhook_endpoint_create(business=business, url=receiver.url, events=["order.placed"])
    [row] = webhook_emit(business=business, event="order.placed", payload={"po_number": "PO-1"})
    return row


def _run(delivery_id):
    return webhook_deliver.apply(args=[delivery_id]).get()


def test_emit_enqueues_the_task_after_commit(business, receiver, django_capture_on_commit_callbacks):
    webhook_endpoint_create(business=business, url=receiver.url, events=["order.placed"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook_emit(business=business, event="order.placed", payload={})
    assert len(callbacks) == 1 and receiver.requests == []  # delay_on_commit: nothing before the commit
    callbacks[0]()
    assert WebhookDelivery.objects.get().status == "delivered" and len(receiver.requests) == 1


def test_task_is_idempotent_a_delivered_delivery_is_skipped(delivery, receiver):
    assert _run(delivery.pk) == "delivered"
    assert _run(delivery.pk) == SKIPPED  # the message delivered twice (late ack, worker lost): one POST
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == ("delivered", 1, 1)


def test_a_duplicate_job_before_the_retry_is_due_is_skipped(delivery, receiver):
    receiver.status = 500
    assert _run(delivery.pk) == RETRY_BY_SWEEP  # in-process: no countdown possible, the sweep retries
    assert _run(delivery.pk) == SKIPPED  # not due yet
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == ("pending", 1, 1)


def _as_worker(delivery_id, *, retries=0):
    """Run the task as a worker runs a message from the broker (a task id, not eager)."""
    webhook_deliver.push_request(id=f"test-{delivery_id}-{retries}", retries=retries, is_eager=False, called_directly=False,
                                 args=[delivery_id], kwargs={})
    try:
        return webhook_deliver.run(delivery_id)
    finally:
        webhook_deliver.pop_request()


def test_a_failed_attempt_schedules_the_retry_on_the_backoff_schedule(delivery, receiver):
    """As a worker runs it (not eager): a failure raises Retry with countdown = backoff_seconds(attempts).
    (The suite's eager Celery runs the re-sent message at once: it is skipped, as it is not due yet.)"""
    receiver.status = 503
    for attempt in (1, 2, 3):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        with pytest.raises(Retry) as exc:
            _as_worker(delivery.pk, retries=attempt - 1)
        assert exc.value.when == backoff_seconds(attempt)
        assert (exc.value.sig.options["countdown"], exc.value.sig.options["retries"]) == (backoff_seconds(attempt), attempt)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt and delivery.status == "pending"
        assert delivery.next_attempt_at >= timezone.now() + datetime.timedelta(seconds=backoff_seconds(attempt) - 5)
    assert [backoff_seconds(n) for n in (1, 2, 3)] == [30, 60, 120]


def test_no_retry_after_the_last_attempt(delivery, receiver):
    receiver.status = 500
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS - 1)
    assert _as_worker(delivery.pk) == "failed"  # no Retry raised: given up
    assert _run(delivery.pk) == SKIPPED


def test_the_beat_sweep_sends_what_is_due(delivery, receiver):
    entry = settings.CELERY_BEAT_SCHEDULE["webhooks-send-due"]
    assert entry["task"] in app.tasks and entry["schedule"] == 60.0
    receiver.status = 500
    _run(delivery.pk)
    assert webhooks_send_due.apply().get() == 0  # the retry is not due yet
    receiver.status = 200
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks_send_due.apply().get() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_sent_by_four_workers_at_once_posts_once(business, receiver, settings):
    settings.WEBHOOKS_SEND_ON_COMMIT = False  # autocommit here: the hook would send at once
    webhook_endpoint_create(business=business, url=receiver.url, events=["order.placed"])
    [delivery] = webhook_emit(business=business, event="order.placed", payload={"po_number": "PO-1"})
    results, errors = run_at_once(lambda i: webhook_deliver(delivery.pk), 4)
    assert errors == []
    assert sorted(results) == ["delivered", SKIPPED, SKIPPED, SKIPPED]
    assert len(receiver.requests) == 1
