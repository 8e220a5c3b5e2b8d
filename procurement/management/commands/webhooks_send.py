"""Send the webhook outbox's due deliveries (run it from cron every minute: failed ones back off)."""

from django.core.management.base import BaseCommand

from procurement.webhooks import deliveries_send_due


class Command(BaseCommand):
    help = "Send pending webhook deliveries whose next attempt is due."

    def handle(self, *args, **options):
        count = deliveries_send_due()
        self.stdout.write(f"{count} webhook deliveries attempted.")
