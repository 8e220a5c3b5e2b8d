"""Cron alternative to the beat entry "jobs-resume": enqueue again the jobs whose message or worker was lost."""

from django.core.management.base import BaseCommand

from procurement.jobs.services import jobs_resume


class Command(BaseCommand):
    help = "Enqueue again queued jobs older than JOBS_STALE_SECONDS and running jobs whose heartbeat went stale."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None, help="seconds (default JOBS_STALE_SECONDS)")

    def handle(self, *args, **opts):
        ids = jobs_resume(older_than=opts["older_than"])
        self.stdout.write(f"{len(ids)} job(s) enqueued again" + (f": {', '.join(map(str, ids))}" if ids else "."))
