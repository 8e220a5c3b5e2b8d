"""A real Celery worker (`celery -A procurement worker`) against Redis and the test database.

The worker is a separate process, so it needs a database it can open: the PostgreSQL test database
(CI's PostgreSQL pass) or a file-based SQLite one; the default in-memory SQLite test database is
invisible to it, and these tests skip there. They skip too when Redis is absent. Redis: REDIS_TEST_URL
(default redis://127.0.0.1:6379/4); each run uses its own queue, so nothing else on that Redis is touched.
`transaction=True`: rows are committed, so the worker sees them.
"""

import datetime
import os
import signal
import subprocess  # nosec B404  # starts our own worker, fixed arguments, no shell
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

import tests.support.slow_job  # noqa: F401  # the "test_slow" kind, here and (via -I) in the worker
from procurement.celery import app as celery_app
from procurement.jobs.models import Job
from procurement.jobs.services import job_create
from tests.factories import CategoryFactory, MemberFactory, ProductFactory
from tests.support.finance import bulk_order_lines, finance_member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/4")
ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str | None:
    """The test database as a DATABASE_URL the worker can open, or None when it cannot (in-memory SQLite)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    name = str(db["NAME"])
    if connection.vendor == "sqlite" and not connection.is_in_memory_db() and Path(name).exists():
        return f"sqlite:///{name}"
    return None


def _redis_ok() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping())
    except Exception:  # nosec B110  # any failure means: no Redis here, skip
        return False


def _reset_broker_pool() -> None:
    """Drop the Celery app's broker connections, so the next send opens one to the broker now configured."""
    from kombu import pools

    pools.reset()  # closes and forgets kombu's shared producer pools
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker_env(settings):
    url = _database_url()
    if url is None:
        pytest.skip("the test database is in-memory SQLite, which a worker process cannot open: "
                    "run with DATABASE_URL=postgres://... (CI's PostgreSQL pass runs this test)")
    if not _redis_ok():
        pytest.skip(f"no Redis at {REDIS_TEST_URL} (set REDIS_TEST_URL): the real-worker test needs one")
    queue = f"jobs-test-{uuid.uuid4().hex[:10]}"
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    celery_app.conf.update(task_always_eager=False, broker_url=REDIS_TEST_URL, task_default_queue=queue)
    _reset_broker_pool()
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update({
        "DATABASE_URL": url, "REDIS_URL": REDIS_TEST_URL, "CELERY_TASK_ALWAYS_EAGER": "false", "DEBUG": "true",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT), "JOBS_STALE_SECONDS": "2", "CELERY_VISIBILITY_TIMEOUT": "3",
        "CACHE_KEY_PREFIX": queue, "CONN_MAX_AGE": "0",
    })
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(  # nosec B603  # our own interpreter and fixed arguments
            [sys.executable, "-m", "celery", "-A", "procurement", "worker", "-Q", queue, "--pool", "solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-I", "tests.support.slow_job",
             "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        workers.append(proc)
        return proc

    yield start
    for proc in workers:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    celery_app.conf.update(saved)
    _reset_broker_pool()


def _wait(job: Job, until, timeout: float = 120.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if until(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} never got there: {job.status} {job.progress_done}/{job.progress_total} {job.error}")


def test_worker_runs_an_xlsx_export_job(worker_env, business, group):
    from openpyxl import load_workbook

    fin = finance_member(group)
    products = [ProductFactory(category=CategoryFactory(), unit_price=Decimal("4.00"))]
    bulk_order_lines(group=group, buyer=MemberFactory(business=business), products=products, orders=30, lines_per_order=2,
                     placed_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 9)))
    worker_env()
    job = job_create(business=business, member=fin, kind="orders_report_xlsx", idempotency_key="worker-xlsx",
                     params={"filters": {}}, acting_user=fin.user)
    job = _wait(job, lambda j: j.finished)
    assert job.status == Job.Status.DONE, job.error
    assert job.attempts == 1 and job.progress_done == job.progress_total == 60
    with job.result_file.open("rb") as handle:
        rows = list(load_workbook(handle, read_only=True).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 60


def test_a_killed_worker_s_job_is_finished_by_the_next_worker(worker_env, business, group):
    """SIGKILL mid-job: the message was never acknowledged (acks_late), so Redis delivers it again after the
    visibility timeout; the new worker finds the job's heartbeat stale and runs it to the end."""
    fin = finance_member(group)
    first = worker_env()
    job = job_create(business=business, member=fin, kind="test_slow", idempotency_key="worker-kill",
                     params={"step_seconds": 0.5}, acting_user=fin.user)
    job = _wait(job, lambda j: j.status == Job.Status.RUNNING and j.progress_done >= 2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.progress_done < tests.support.slow_job.STEPS
    worker_env()
    job = _wait(job, lambda j: j.finished, timeout=180)
    assert job.status == Job.Status.DONE, job.error
    assert job.attempts == 2
    with job.result_file.open("rb") as handle:
        assert handle.read() == b"10 steps, attempt 2"
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
