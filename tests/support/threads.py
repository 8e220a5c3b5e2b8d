"""Run one function in many threads at once, for the PostgreSQL row-lock tests."""

import threading

from django.db import connection


def run_at_once(target, count, *, indexed=False):
    """Call `target(i)` for i in range(count), each in its own thread and database connection.

    A barrier lines the threads up so they really race; each closes its connection. Returns
    (results, errors): results in finishing order, or with `indexed=True` at position i (None where
    that thread raised), and every exception raised, for the test to assert on.
    """
    barrier = threading.Barrier(count)
    results = [None] * count if indexed else []
    errors, lock = [], threading.Lock()

    def worker(i):
        try:
            barrier.wait(timeout=30)
            outcome = target(i)
            with lock:
                if indexed:
                    results[i] = outcome
                else:
                    results.append(outcome)
        except Exception as exc:  # noqa: BLE001 - every failure is collected and asserted on
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results, errors
