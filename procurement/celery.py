"""The Celery app: background jobs (exports, document batches, statement imports, emails, webhooks).

With `REDIS_URL` set, tasks go to Redis and run on `celery -A procurement worker`; periodic jobs run
on `celery -A procurement beat` (README "Production"). Without it (`make run`, the test suite), tasks run
in-process, eagerly, so nothing else needs to be running.

Tasks are acknowledged late and re-queued when a worker dies (`task_acks_late`,
`task_reject_on_worker_lost`), so every task must be idempotent: it re-reads its rows and skips work
that is already done. Enqueue from a service with `task.delay_on_commit(...)`, so nothing is sent for a
rolled-back change.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")

app = Celery("procurement", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
