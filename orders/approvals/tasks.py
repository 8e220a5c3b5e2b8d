"""Background jobs of Approvals: the hourly reminder and escalation run (Celery beat)."""

from celery import shared_task
from django.db import OperationalError

from orders.approvals.services import approval_reminders_send


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def approval_reminders_task(self) -> dict:
    """Idempotent: each level is reminded once and escalated once, whatever the number of runs."""
    reminded, escalated = approval_reminders_send()
    return {"reminded": reminded, "escalated": escalated}
