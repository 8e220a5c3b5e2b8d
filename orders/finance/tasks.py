"""Finance's periodic jobs (celery beat; each also a management command for cron)."""

from celery import shared_task

from .reminders import month_close_reminders_send


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def month_close_reminders(self) -> int:
    """Daily: tell finance that last month can be closed (once per business and month: idempotent)."""
    return month_close_reminders_send()
