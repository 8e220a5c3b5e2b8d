"""Open the next period of every recurring Blanket PO whose period has ended (run daily by cron).

Safe to run as often as you like and from several machines at once: each period is opened exactly once.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from budgets.recurring import budget_periods_open


class Command(BaseCommand):
    help = "Open the next period of every recurring Blanket PO whose current period has ended."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Act as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, today=None, **options):
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError(f"--today must be a date like 2026-07-01, not {today!r}.") from exc
        opened = budget_periods_open(today=day)
        for budget in opened:
            self.stdout.write(f"Opened {budget.po_number} ({budget.start_date} – {budget.end_date}).")
        self.stdout.write(f"{len(opened)} period(s) opened.")
