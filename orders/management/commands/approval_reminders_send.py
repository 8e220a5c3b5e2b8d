"""Remind the deciders of orders waiting N days for approval; escalate after M days (cron, e.g. hourly).

The same job runs on Celery beat (settings CELERY_BEAT_SCHEDULE "approval-reminders"); running both,
or several at once, sends nothing twice: each level is reminded once and escalated once.
"""

from django.core.management.base import BaseCommand

from orders.approvals.services import approval_reminders_send


class Command(BaseCommand):
    help = "Send approval reminders (after N days) and escalate to the business admins (after M days)."

    def handle(self, *args, **options):
        reminded, escalated = approval_reminders_send()
        self.stdout.write(f"{reminded} reminder(s) sent, {escalated} order level(s) escalated.")
