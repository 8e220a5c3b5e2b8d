"""python manage.py bench: the load benchmark behind `make bench` (PostgreSQL only).

Seeds with seed_demo (`--scale tiny|small|full`), starts gunicorn on 127.0.0.1 with production settings,
drives it with locust (orders/bench/loadgen.py, real signed-in sessions with CSRF tokens), prints one
table, then verifies the money and the numbers from the database and prints the result.
`--soak SECONDS` runs mixed traffic instead of the scenarios. See BENCHMARKS.md.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess  # nosec B404  # starts gunicorn, collectstatic and the load generator
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import OperationalError
from django.utils import timezone

from orders.bench import fixtures, report, verify
from orders.models import Order, OrderLine
from orders.tracking.selectors import order_cursor
from procurement.models import Business
from procurement.seed import ACME_NAME

# seed_demo arguments and run lengths per scale. full: 20,000 orders x ~50 lines = about 1M order lines.
SCALES = {
    "tiny": {"orders": 120, "lines_per_order": 4, "businesses": 2, "members_per_business": 5,
             "duration": 2.0, "warmup": 0.5, "statement_rows": 200},
    "small": {"orders": 2_000, "lines_per_order": 50, "businesses": 10, "members_per_business": 50,
              "duration": 10.0, "warmup": 2.0, "statement_rows": 20_000},
    "full": {"orders": 20_000, "lines_per_order": 50, "businesses": 50, "members_per_business": 200,
             "duration": 15.0, "warmup": 3.0, "statement_rows": 100_000},
}
CHECKOUT = "checkout, 8 buyers on one Blanket PO"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    d = connection.settings_dict
    auth = d["USER"] + (f":{d['PASSWORD']}" if d.get("PASSWORD") else "")
    return f"postgres://{auth}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


class Command(BaseCommand):
    help = "Seed, serve with gunicorn (production settings), load with locust, print one table, verify (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="full")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2: one per core here)")
        parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread), as the README's command")
        parser.add_argument("--clients", type=int, default=8, help="concurrent signed-in clients per scenario")
        parser.add_argument("--duration", type=float, default=None, help="seconds measured per scenario")
        parser.add_argument("--soak", type=float, default=0, metavar="SECONDS", help="mixed traffic for SECONDS instead")
        parser.add_argument("--only", default="", help="comma-separated scenario names (substring match)")
        parser.add_argument("--no-seed", action="store_true", help="use the data already in the database")
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument("--statement-rows", type=int, default=None, help="rows in the bank statement (default by scale)")
        parser.add_argument("--json", default="", help="also write the raw results to this file")

    def handle(self, *args, scale, workers, threads, clients, duration, soak, only, no_seed, no_migrate, statement_rows, json: str,
               **options):
        self._ensure_database()
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://user@127.0.0.1:5432/name.")
        cfg = dict(SCALES[scale])
        if duration:
            cfg["duration"] = duration
        if statement_rows:
            cfg["statement_rows"] = statement_rows
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        if not no_seed:
            started = time.monotonic()
            call_command("seed_demo", orders=cfg["orders"], lines_per_order=cfg["lines_per_order"],
                         businesses=cfg["businesses"], members_per_business=cfg["members_per_business"],
                         stdout=self.stdout)
            self.stdout.write(f"seed_demo --scale {scale}: {time.monotonic() - started:.1f} s")
        with connection.cursor() as cursor:  # fresh planner statistics, as autovacuum keeps them in production
            cursor.execute("ANALYZE")
        acme = Business.objects.get(name=ACME_NAME)
        run_id = fixtures.run_id()
        # Room for 200 orders/s for the whole run: the load, not the money, is what is measured here
        # (tests/test_budgets_concurrency.py proves that racing buyers cannot overspend a drained one).
        seconds = soak or cfg["duration"] + cfg["warmup"] + 5
        checkout = fixtures.checkout_setup(business=acme, run_id=run_id, budget_orders=int(200 * seconds + 100))
        data = fixtures.scenario_data(business=acme)
        # Page N of Your Orders by keyset: the rows after the last one of page N - 1.
        skip = (data["deep_page"] - 1) * fixtures.PAGE_SIZE
        last = Order.objects.filter(business=acme).order_by("-placed_at", "-id")[skip - 1] if skip else None
        data["deep_url"] = f"/account/orders/?after={order_cursor(last)}" if last else "/account/orders/"
        data["expected_rows"] = OrderLine.objects.filter(business=acme).count()
        scenarios = self._scenarios(cfg, clients=clients, soak=soak, only=only)

        t0 = time.monotonic()
        static = self._collectstatic()
        self.stdout.write(f"collectstatic: {time.monotonic() - t0:.1f} s")
        t0 = time.monotonic()
        port = _free_port()
        log = Path(tempfile.gettempdir()) / f"bench-gunicorn-{port}.log"
        server = self._gunicorn(port=port, workers=workers, threads=threads, log=log, static_env=static)
        self.stdout.write(f"gunicorn up: {time.monotonic() - t0:.1f} s")
        try:
            config = {
                "base_url": f"http://127.0.0.1:{port}", "password": fixtures.BENCH_PASSWORD, "run_id": run_id,
                "today": timezone.localdate().isoformat(), "gunicorn_pid": server.pid,
                "logins": {"admin": [fixtures.ADMIN_EMAIL], "buyers": checkout["buyers"]},
                "checkout": checkout, "data": data, "scenarios": scenarios,
            }
            with tempfile.TemporaryDirectory() as tmp:
                cfg_path, out_path = Path(tmp) / "config.json", Path(tmp) / "results.json"
                cfg_path.write_text(_json_dumps(config))
                self.stdout.write(f"Load: {len(scenarios)} scenarios against gunicorn ({workers} workers) on port {port}")
                done = subprocess.run([sys.executable, "-m", "orders.bench.loadgen", str(cfg_path), str(out_path)],  # nosec B603  # fixed argv: this Python, our module, our temp files
                                      cwd=settings.BASE_DIR, env=_loadgen_env())
                if done.returncode != 0 or not out_path.exists():
                    raise CommandError(f"The load generator failed (exit {done.returncode}); gunicorn log: {log}")
                results = _json_loads(out_path.read_text())
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()

        placed = Order.objects.filter(budget_id=checkout["budget_id"]).count()
        measured = None
        if CHECKOUT in results["scenarios"]:
            measured = results["scenarios"][CHECKOUT]["placed"]
        text, met = report.table(results, checkout_placed=measured)
        self.stdout.write("")
        self.stdout.write(f"Benchmark, scale {scale}, gunicorn {workers} workers x {threads} threads, {clients} clients, "
                          f"{data['expected_rows']:,} order lines for {acme.name}, {timezone.now():%Y-%m-%d %H:%M} UTC")
        self.stdout.write(text)
        self.stdout.write(f"Orders placed on the benchmark's Blanket PO {checkout['budget_po']}: {placed} "
                          f"(warm-up included). Targets {'all met' if met else 'not all met'}.")
        checks = verify.verify_all()
        self.stdout.write("")
        self.stdout.write("Verification from the database:")
        for check in checks:
            self.stdout.write(f"  [{'ok' if check.ok else 'FAILED'}] {check.name}: {check.detail}")
        five_xx = sum(r.get("status_5xx", 0) for r in results["scenarios"].values())
        self.stdout.write(f"  [{'ok' if five_xx == 0 else 'FAILED'}] no 5xx responses: {five_xx}")
        if json:
            Path(json).write_text(_json_dumps({"results": results, "checks": [c.__dict__ for c in checks],
                                                "placed": placed, "scale": scale, "workers": workers, "table": text}))
        if not all(c.ok for c in checks) or five_xx:
            raise CommandError("Verification failed (see above).")
        self.stdout.write(self.style.SUCCESS("Verified: no overspend, no repeated numbers, ledger = spent, counters ahead."))

    def _scenarios(self, cfg, *, clients: int, soak: float, only: str) -> list[dict]:
        d, w = cfg["duration"], cfg["warmup"]
        if soak:
            return [
                {"name": "floor (/health/)", "kind": "locust", "users": ["Health"], "clients": clients, "duration": min(d, 10), "warmup": w},
                {"name": "soak, mixed traffic", "kind": "locust", "users": ["MixedAdmin", "MixedBuyer"], "clients": clients,
                 "duration": soak, "warmup": w},
            ]
        pages = [
            ("floor (/health/)", "Health"), ("Your Account for Business", "Account"), ("Find by PO number", "Find"),
            ("order page", "OrderPage"), ("Your Orders, page 1", "OrdersFirst"), ("Your Orders, deep page", "OrdersDeep"),
            ("budget page", "BudgetPage"), ("invoice page", "InvoicePage"), ("Business Analytics, 12 months", "Analytics"),
        ]
        out = [{"name": n, "kind": "locust", "users": [u], "clients": clients, "duration": d, "warmup": w} for n, u in pages]
        out += [
            {"name": "invoice PDF (1 client)", "kind": "locust", "users": ["InvoicePDF"], "clients": 1, "duration": d, "warmup": w},
            {"name": CHECKOUT, "kind": "locust", "users": ["Checkout"], "clients": clients, "duration": d, "warmup": w},
            {"name": "orders report CSV, whole business", "kind": "export"},
            {"name": "bank statement import", "kind": "statement", "rows": cfg["statement_rows"]},
        ]
        if only:
            wanted = [s.strip().lower() for s in only.split(",") if s.strip()]
            out = [s for s in out if s["name"].startswith("floor") or any(x in s["name"].lower() for x in wanted)]
        return out

    def _ensure_database(self) -> None:
        """Create the benchmark's database if it does not exist yet (a fresh checkout)."""
        if connection.vendor != "postgresql":
            return
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            if "does not exist" not in str(exc):
                raise
            import psycopg
            from psycopg import sql

            d = connection.settings_dict
            with psycopg.connect(dbname="postgres", user=d["USER"], password=d.get("PASSWORD") or None,
                                 host=d["HOST"] or "127.0.0.1", port=d["PORT"] or 5432, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(d["NAME"])))
            self.stdout.write(f"Created database {d['NAME']}.")

    def _production_env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}  # the server is not under test
        env.update({
            "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": _database_url(),
            # TLS ends at the load balancer in production; here the clients speak plain HTTP to 127.0.0.1,
            # so the three TLS-only switches are off. Everything else is the production configuration.
            "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
            "LOG_LEVEL": "WARNING", "STATIC_COMPRESS": "false",
        })
        return env

    def _collectstatic(self) -> dict:
        env = self._production_env()
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=settings.BASE_DIR,  # nosec B603  # fixed argv
                       env=env, check=True)
        return env

    def _gunicorn(self, *, port: int, workers: int, threads: int, log: Path, static_env: dict) -> subprocess.Popen:
        # The README's production command (gthread workers, default timeout), with the benchmark's port,
        # workers and threads.
        cmd = [sys.executable, "-m", "gunicorn", "procurement.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads)]
        with open(log, "w") as out:
            server = subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=static_env, stdout=out, stderr=subprocess.STDOUT)  # nosec B603  # fixed argv
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited ({server.returncode}); see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as r:  # nosec B310  # http://127.0.0.1 built here
                    if r.status == 200:
                        return server
            except OSError:
                time.sleep(0.2)
        server.kill()
        raise CommandError(f"gunicorn did not answer /health/ within 60 s; see {log}")


def _loadgen_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _json_dumps(value) -> str:
    import json as _json

    return _json.dumps(value, indent=1, default=str)


def _json_loads(text: str):
    import json as _json

    return _json.loads(text)
