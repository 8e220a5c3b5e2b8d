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
import pkgutil

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")

app = Celery("procurement", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def task_packages() -> list[str]:
    """Sub-packages of our apps that hold a `tasks.py` (e.g. procurement.notifications, orders.finance).

    Tasks live in the owning sub-package, where `autodiscover_tasks()` (apps' top-level `tasks` only)
    does not look; found by file, without importing anything else.
    """
    from django.apps import apps  # noqa: PLC0415 - called once the apps are loaded

    found = []
    for config in apps.get_app_configs():
        if config.name.split(".")[0] not in ("procurement", "budgets", "orders"):
            continue
        for module in pkgutil.iter_modules(config.module.__path__):
            if module.ispkg and os.path.exists(os.path.join(module.module_finder.path, module.name, "tasks.py")):
                found.append(f"{config.name}.{module.name}")
    return found


app.autodiscover_tasks(task_packages)
