"""Sending one notification email, after the event's transaction committed."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Notification, NotificationEmail

logger = logging.getLogger(__name__)

MAX_RETRIES = 6  # with retry_backoff: about 1, 2, 4, 8, 16, 32 s (jittered), then it is given up


@shared_task(
    bind=True, acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True, retry_backoff_max=600,
    max_retries=MAX_RETRIES,
)
def notification_email_send(self, email_id: int) -> str:
    """Send one outbox email once; a re-delivered task skips it (idempotent on `sent_at`).

    The row is locked while sending, so two workers never send it twice. A transport error is counted
    and re-raised for Celery to retry with back-off; after the last retry it is recorded as failed and
    the task ends quietly: the order (long committed) is never affected.
    """
    try:
        with transaction.atomic():
            email = NotificationEmail.objects.select_for_update().filter(pk=email_id).first()
            if email is None or email.sent_at is not None or email.failed_at is not None:
                return "skipped"
            message = EmailMultiAlternatives(
                subject=email.subject, body=email.text, from_email=settings.DEFAULT_FROM_EMAIL, to=[email.to],
            )
            message.attach_alternative(email.html, "text/html")
            message.send()
            now = timezone.now()
            NotificationEmail.objects.filter(pk=email.pk).update(sent_at=now, attempts=F("attempts") + 1)
            Notification.objects.filter(pk=email.notification_id).update(emailed_at=now)
            return "sent"
    except (SMTPException, OSError) as exc:
        given_up = self.request.retries >= MAX_RETRIES
        NotificationEmail.objects.filter(pk=email_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:500],
            failed_at=timezone.now() if given_up else None,
        )
        if given_up:
            logger.warning("Notification email %s given up after %s attempts: %s", email_id, MAX_RETRIES + 1, exc)
            return "failed"
        raise
