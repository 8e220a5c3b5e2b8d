"""`make bench` in miniature: `manage.py bench --scale tiny` seeds, serves with gunicorn (production
settings), loads every scenario with locust, and verifies from the database. Only that it runs and
verifies is asserted, never a timing (CI machines are noisy)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from budgets.models import Budget


@pytest.mark.postgres
@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_bench_tiny_runs_every_scenario_and_verifies():
    out = io.StringIO()
    try:
        call_command("bench", scale="tiny", clients=2, duration=1.0, no_migrate=True, stdout=out)
    except CommandError as exc:
        pytest.fail(f"{exc}\n{out.getvalue()}")
    text = out.getvalue()
    assert "[FAILED]" not in text, text
    assert "Verified: no overspend" in text, text
    for scenario in ("floor (/health/)", "Find by PO number", "order page", "Your Orders, deep page", "budget page",
                     "invoice page", "Business Analytics", "invoice PDF", "checkout, full buyer loop",
                     "orders report CSV", "bank statement import"):
        assert f"| {scenario}" in text, scenario
    assert "INCOMPLETE" not in text, text
    # The benchmark's Blanket PO and its 8 buyers exist (how many orders they place is a timing).
    assert Budget.objects.filter(po_number__startswith="BENCH-", status="active").count() == 1
