"""Tell finance that last month can be closed (run daily by cron, or by celery beat: settings).

Safe to run as often as you like: each business's finance members are told once per month.
"""

from orders.finance.reminders import month_close_reminders_send
from procurement.management.daily import DailyCommand


class Command(DailyCommand):
    help = "Notify finance members of every business whose last month is over, active and not closed yet."

    def run(self, *, today):
        told = month_close_reminders_send(today=today)
        self.stdout.write(f"{told} business(es) reminded to close the month.")
