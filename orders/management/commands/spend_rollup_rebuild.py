"""python manage.py spend_rollup_rebuild [--business ID]: rebuild the daily spend roll-up from the order lines.

Set-based (one INSERT ... SELECT ... GROUP BY per run). The services keep the roll-up current in the
transaction of every spend event; run this after a bulk load, a restore, or a product moved to another
category (past spend follows the product's category at the time of the event until rebuilt).
`--check` only compares and exits 1 on a difference (for cron or monitoring).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from orders.rollup import spend_rollup_differences, spend_rollup_rebuild
from procurement.models import Business


class Command(BaseCommand):
    help = "Rebuild the daily spend roll-up (Business Analytics) of one business or of all."

    def add_arguments(self, parser):
        parser.add_argument("--business", type=int, help="the business id (default: every business)")
        parser.add_argument("--check", action="store_true", help="compare only; exit 1 when the roll-up differs")

    def handle(self, *args, business=None, check=False, **options):
        if business is not None and not Business.objects.filter(pk=business).exists():
            raise CommandError(f"No business with id {business}.")
        started = time.monotonic()
        if check:
            wrong = spend_rollup_differences(business_id=business)
            if wrong:
                for key, stored, expected in wrong:
                    self.stderr.write(f"differs at {key}: stored {stored}, expected {expected}")
                raise CommandError("The spend roll-up differs from the order lines; run spend_rollup_rebuild.")
            self.stdout.write(f"Spend roll-up agrees with the order lines ({time.monotonic() - started:.1f} s).")
            return
        n = spend_rollup_rebuild(business_id=business)
        self.stdout.write(self.style.SUCCESS(f"Spend roll-up: {n} daily rows rebuilt in {time.monotonic() - started:.1f} s."))
