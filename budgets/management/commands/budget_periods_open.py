"""Open the next period of every recurring Blanket PO whose period has ended (run daily by cron).

Safe to run as often as you like and from several machines at once: each period is opened exactly once.
"""

from budgets.recurring import budget_periods_open
from procurement.management.daily import DailyCommand


class Command(DailyCommand):
    help = "Open the next period of every recurring Blanket PO whose current period has ended."

    def run(self, *, today):
        opened = budget_periods_open(today=today)
        for budget in opened:
            self.stdout.write(f"Opened {budget.po_number} ({budget.start_date} – {budget.end_date}).")
        self.stdout.write(f"{len(opened)} period(s) opened.")
