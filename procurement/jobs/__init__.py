"""Background jobs: a generic `Job` row per slow piece of work (exports, document batches, imports).

`models.py` (the row), `registry.py` (the kinds: each owning package registers what a kind does and
which roles may see it), `services.py` (create with an idempotency key, run, progress), `tasks.py`
(the Celery task), `views.py` (progress page, JSON status, download). The core never imports the
packages that register kinds: they call `registry.job_kind` when their app is ready.
"""
