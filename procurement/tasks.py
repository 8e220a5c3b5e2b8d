"""Background jobs of the core: webhook delivery (procurement/webhooks.py is the outbox).

`webhook_deliver` sends one outbox row. It is enqueued after the event's commit (`delay_on_commit`), so a
rolled-back change sends nothing; it is acknowledged late, so a worker that dies mid-send leaves the
message to be delivered again; it is idempotent: the row is locked while it is sent, and a row already
delivered or failed, locked by another sender, or not yet due, is skipped. A failed attempt schedules
the next one with `self.retry(countdown=backoff_seconds(attempts))` (30 s, 1 min, 2 min, ... 6 h) until
`MAX_ATTEMPTS`. `webhooks_send_due` (celery beat, every minute; `manage.py webhooks_send` for cron)
re-enqueues whatever is due, so a lost message or an in-process (eager) run still gets its retries.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from procurement import webhooks
from procurement.models import WebhookDelivery

SKIPPED = "skipped"
RETRY_SCHEDULED = "retry scheduled"
RETRY_BY_SWEEP = "retry by sweep"


@shared_task(
    bind=True, acks_late=True, ignore_result=True, max_retries=webhooks.MAX_ATTEMPTS,
    autoretry_for=(OperationalError,), retry_backoff=webhooks.BACKOFF_BASE, retry_backoff_max=webhooks.BACKOFF_MAX,
)
def webhook_deliver(self, delivery_id: int) -> str:
    """One attempt for one delivery; returns what happened (for logs and tests)."""
    delivery = webhooks.delivery_attempt(delivery_id=delivery_id, only_if_due=True)
    if delivery is None:
        return SKIPPED
    if delivery.status != WebhookDelivery.Status.PENDING:
        return delivery.status
    if self.request.is_eager:
        # In-process (no broker): an eager retry would run at once, ignoring the countdown. The row's
        # next_attempt_at already says when; the sweep sends it then.
        return RETRY_BY_SWEEP
    raise self.retry(countdown=webhooks.backoff_seconds(delivery.attempts))


@shared_task(bind=True, acks_late=True, ignore_result=True)
def webhooks_send_due(self) -> int:
    """The periodic sweep (CELERY_BEAT_SCHEDULE): one `webhook_deliver` per due delivery."""
    return webhooks.deliveries_send_due(enqueue=True)
