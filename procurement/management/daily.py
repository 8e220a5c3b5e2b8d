"""The base of the daily jobs run by cron (`--today` lets a test or a catch-up act as of a date)."""

import datetime

from django.core.management.base import BaseCommand, CommandError


class DailyCommand(BaseCommand):
    """Subclasses implement `run(today)`, `today` being None (the real today) or the `--today` date."""

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Act as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, today=None, **options):
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError(f"--today must be a date like 2026-07-01, not {today!r}.") from exc
        self.run(today=day)

    def run(self, *, today: datetime.date | None) -> None:
        raise NotImplementedError
