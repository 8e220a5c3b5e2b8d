"""A slow job kind for tests/test_jobs_worker.py: ten steps, progress after each, so a test can kill
its worker half-way. The worker imports this module with `celery worker -I tests.support.slow_job`."""

import time

from procurement.jobs.registry import JobOutput, job_kind

STEPS = 10


@job_kind("test_slow", title="Slow job (tests)", roles=("finance",))
def slow_run(job, progress):
    progress(0, STEPS)
    for step in range(1, STEPS + 1):
        time.sleep(float(job.params.get("step_seconds", 0.5)))
        progress(step, STEPS)
    return JobOutput(filename="slow.txt", content=f"{STEPS} steps, attempt {job.attempts}".encode(),
                     content_type="text/plain", summary={"message": "Slept."})
