"""Webhooks: a transactional outbox, signed payloads, retries with back-off, resend.

`webhook_emit(business=..., event=..., payload=...)` is called by the services inside their own
transaction: it writes one `WebhookDelivery` row per active endpoint of the business that listens to the
event. Rolled back with the event, the rows are gone too; committed, each is handed to the background
job `procurement.tasks.webhook_deliver` (`delay_on_commit`), which retries a failure with exponential
back-off until `MAX_ATTEMPTS`. The periodic sweep (`procurement.tasks.webhooks_send_due` in
CELERY_BEAT_SCHEDULE, or `manage.py webhooks_send` from cron every minute) sends whatever is due.

Every request is a JSON POST signed like this (the receiver checks it, README "Webhooks"):
    X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from procurement.errors import ApplicationError
from procurement.models import Business, WebhookDelivery, WebhookEndpoint

Event = WebhookEndpoint.Event
MAX_ATTEMPTS = 8
#: Seconds to wait after the n-th failed attempt: 30 s, 1 min, 2 min, ... at most 6 hours.
BACKOFF_BASE = 30
BACKOFF_MAX = 6 * 3600
TIMEOUT = 5


class WebhookError(ApplicationError):
    """Bad endpoint settings; `str()` is fit for the user. Nothing was saved."""


def backoff_seconds(attempts: int) -> int:
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_verify(*, secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """The receiver's check (also documented in the README): a fresh timestamp and a matching MAC."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = signature_header(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WebhookError("Enter an http:// or https:// URL.")
    if parts.scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP:
        raise WebhookError("Webhook URLs must use https://.")
    if not settings.WEBHOOKS_ALLOW_HTTP and _is_internal_host(parts.hostname or ""):
        raise WebhookError("Webhook URLs must point to a public host, not this network.")
    return url


def _is_internal_host(host: str) -> bool:
    """localhost or a private, loopback or link-local address written as an IP (a first guard against
    pointing webhooks at our own network; names are not resolved here)."""
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved


def _check_events(events) -> list[str]:
    events = sorted(set(events or []))
    unknown = [e for e in events if e not in Event.values]
    if unknown or not events:
        raise WebhookError("Choose at least one of the events" + (f" (unknown: {', '.join(unknown)})." if unknown else "."))
    return events


@transaction.atomic
def webhook_endpoint_create(*, business: Business, url: str, events) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        business=business, url=_check_url(url), events=_check_events(events), secret=f"whsec_{secrets.token_urlsafe(32)}",
    )


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, url: str, events, is_active: bool) -> WebhookEndpoint:
    endpoint.url = _check_url(url)
    endpoint.events = _check_events(events)
    endpoint.is_active = is_active
    endpoint.save(update_fields=["url", "events", "is_active"])
    return endpoint


def webhook_emit(*, business: Business | int, event: str, payload: dict) -> list[WebhookDelivery]:
    """Write the event to the outbox of every listening endpoint (call it inside the event's transaction)."""
    if event not in Event.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    business_id = getattr(business, "pk", business)
    endpoints = [e for e in WebhookEndpoint.objects.filter(business_id=business_id, is_active=True) if event in e.events]
    if not endpoints:
        return []
    now = timezone.now()
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    rows = [
        WebhookDelivery.objects.create(
            business_id=business_id, endpoint=endpoint, event=event, next_attempt_at=now,
            payload={"event": event, "created": now.isoformat(), "data": data},
        )
        for endpoint in endpoints
    ]
    if settings.WEBHOOKS_SEND_ON_COMMIT:
        _enqueue_on_commit([row.pk for row in rows])
    return rows


def _enqueue_on_commit(ids: list[int]) -> None:
    from procurement.tasks import webhook_deliver  # the tasks module imports this one

    for delivery_id in ids:
        webhook_deliver.delay_on_commit(delivery_id)


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = json.dumps({"id": delivery.pk, **delivery.payload}, separators=(",", ":")).encode()
    request = urllib.request.Request(  # the scheme was checked to be http(s) when the endpoint was saved
        _check_url(endpoint.url), data=body, method="POST",
        headers={
            "Content-Type": "application/json", "User-Agent": "procurement-webhooks/1",
            "X-Webhook-Id": str(delivery.pk), "X-Webhook-Event": delivery.event,
            "X-Signature": signature_header(secret=endpoint.secret, body=body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # nosec B310  # http(s) only, checked above
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError, WebhookError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]


def delivery_attempt(*, delivery_id: int, only_if_due: bool = False) -> WebhookDelivery | None:
    """One attempt for one outbox row (locked, so two senders never post it twice at once); None when
    there is nothing to do: delivered or failed already, being sent by another sender, or (only_if_due)
    its next attempt is still to come (a duplicate job)."""
    with transaction.atomic():
        pending = WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        if only_if_due:
            pending = pending.filter(next_attempt_at__lte=timezone.now())
        delivery = pending.select_for_update(skip_locked=True).select_related("endpoint").first()
        if delivery is None:
            return None
        status, error = _post(delivery.endpoint, delivery)
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.response_status = status
        if status is not None and 200 <= status < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.last_error = ""
        else:
            delivery.last_error = error or f"HTTP {status}"
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = WebhookDelivery.Status.FAILED
            else:
                delivery.next_attempt_at = now + datetime.timedelta(seconds=backoff_seconds(delivery.attempts))
        delivery.save()
        return delivery


def deliveries_send(*, ids) -> None:
    for delivery_id in ids:
        delivery_attempt(delivery_id=delivery_id)


def deliveries_send_due(*, limit: int = 500, enqueue: bool = False) -> int:
    """Every pending delivery whose time has come: sent here (the cron command), or handed to one
    background job each (`enqueue`, the beat sweep). Returns how many."""
    ids = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]
    )
    if enqueue:
        from procurement.tasks import webhook_deliver

        for delivery_id in ids:
            webhook_deliver.delay(delivery_id)
    else:
        deliveries_send(ids=ids)
    return len(ids)


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue the same payload again (a new outbox row, so the log keeps every attempt)."""
    copy = WebhookDelivery.objects.create(
        business_id=delivery.business_id, endpoint=delivery.endpoint, event=delivery.event,
        payload=delivery.payload, next_attempt_at=timezone.now(),
    )
    _enqueue_on_commit([copy.pk])
    return copy
