"""The load generator: locust as a library, headless, in its own process (no Django import here).

    python -m orders.bench.loadgen CONFIG.json RESULTS.json

`python manage.py bench` writes CONFIG (base URL, logins, the PO and invoice numbers to pick from, the
scenarios to run) and reads RESULTS. Every client is a real signed-in session: it logs in through the
login form with its CSRF token once (the session cookies are then reused by the next scenario's client
in the same slot, as a browser tab would), and every POST carries the CSRF token.

Each scenario runs on its own for `duration` seconds after a warm-up, so that its requests/s is its own.
The whole-business CSV export and the statement import are single-client timings (first row, rows/s,
total seconds), not load.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import time

from locust import FastHttpUser, constant, events, task  # noqa: F401  (locust patches sockets with gevent)

import gevent
import requests
from locust.env import Environment

CFG: dict = {}
SESSIONS: dict[tuple[str, int], list] = {}  # (email, slot) -> cookies after logging in
SLOTS = itertools.count()
READY = {"n": 0}
PLACED = {"n": 0, "refused": 0}
STATUS_5XX = {"n": 0}
_TOKEN_RE = re.compile(r'name="checkout_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="checkout_token"')
_CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _cookie(jar, name: str) -> str:
    for c in jar:
        if c.name == name:
            return c.value
    return ""


class BenchUser(FastHttpUser):
    """Signed in once per (login, slot); no think time: each client sends its next request at once."""

    abstract = True
    wait_time = constant(0)
    network_timeout = 300.0
    connection_timeout = 30.0
    emails_key = "admin"

    def on_start(self):
        self.slot = next(SLOTS)
        emails = CFG["logins"][self.emails_key]
        self.email = emails[self.slot % len(emails)]
        key = (self.email, self.slot)
        if key in SESSIONS:
            for c in SESSIONS[key]:
                self.client.cookiejar.set_cookie(c)
        else:
            self.login()
            SESSIONS[key] = list(self.client.cookiejar)
        READY["n"] += 1

    def login(self):
        page = self.client.get("/login/", name="login")
        token = _CSRF_RE.search(page.text).group(1)
        with self.client.post("/login/", data={"username": self.email, "password": CFG["password"], "csrfmiddlewaretoken": token},
                              name="login", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login failed for {self.email}: {response.status_code}")

    def csrf(self) -> str:
        return _cookie(self.client.cookiejar, "csrftoken")

    def pick(self, key: str) -> str:
        return random.choice(CFG["data"][key])  # nosec B311  # picks a page to load


class Health(BenchUser):
    def on_start(self):
        READY["n"] += 1

    @task
    def health(self):
        self.client.get("/health/", name="health")


class Account(BenchUser):
    @task
    def account(self):
        self.client.get("/account/", name="account")


class Find(BenchUser):
    @task
    def find(self):
        with self.client.get(f"/account/find/?q={self.pick('po_numbers')}", name="find", allow_redirects=False,
                             catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"find did not redirect: {r.status_code}")


class OrderPage(BenchUser):
    @task
    def order_page(self):
        self.client.get(f"/account/orders/{self.pick('po_numbers')}/", name="order page")


class OrdersFirst(BenchUser):
    @task
    def orders_first(self):
        self.client.get("/account/orders/", name="your orders p1")


class OrdersDeep(BenchUser):
    @task
    def orders_deep(self):
        self.client.get(CFG["data"]["deep_url"], name="your orders deep")


class BudgetPage(BenchUser):
    @task
    def budget(self):
        self.client.get(CFG["data"]["budget_url"], name="budget page")


class InvoicePage(BenchUser):
    @task
    def invoice(self):
        self.client.get(f"/account/invoices/{self.pick('invoice_numbers')}/", name="invoice page")


class InvoicePDF(BenchUser):
    @task
    def invoice_pdf(self):
        self.client.get(f"/account/invoices/{self.pick('invoice_numbers')}/pdf/", name="invoice pdf")


class Analytics(BenchUser):
    @task
    def analytics(self):
        self.client.get(f"/account/analytics/?{CFG['data']['analytics_query']}", name="analytics 12 months")


class Checkout(BenchUser):
    """The full buyer loop: catalog, Add to cart, the checkout page, Place order (8 buyers, one Blanket PO)."""

    emails_key = "buyers"

    @task
    def buy(self):
        c = CFG["checkout"]
        self.client.get("/catalog/", name="catalog")
        self.client.post("/catalog/", data={"product": c["product_id"], "quantity": 1, "csrfmiddlewaretoken": self.csrf()},
                         name="add to cart", allow_redirects=False)
        page = self.client.get(f"/checkout/?group={c['group_id']}", name="checkout page")
        m = _TOKEN_RE.search(page.text or "")
        if not m:
            return
        with self.client.post("/checkout/", data={
            "group": c["group_id"], "checkout_token": m.group(1) or m.group(2), "address": c["address_id"],
            "budget": c["budget_id"], "csrfmiddlewaretoken": self.csrf(),
        }, name="place order", allow_redirects=False, catch_response=True) as r:
            if r.status_code == 302:
                PLACED["n"] += 1
            elif r.status_code == 200:  # refused with the form re-rendered: the Blanket PO ran dry
                PLACED["refused"] += 1


class MixedAdmin(BenchUser):
    """The soak's admin/finance traffic: the read pages in month-end proportions."""

    weight = 3

    @task(3)
    def order_page(self):
        OrderPage.order_page(self)

    @task(2)
    def find(self):
        self.client.get(f"/account/find/?q={self.pick('po_numbers')}", name="find", allow_redirects=False)

    @task(2)
    def orders(self):
        OrdersFirst.orders_first(self)

    @task(1)
    def orders_deep(self):
        OrdersDeep.orders_deep(self)

    @task(2)
    def budget(self):
        BudgetPage.budget(self)

    @task(2)
    def invoice(self):
        InvoicePage.invoice(self)

    @task(2)
    def account(self):
        Account.account(self)

    @task(1)
    def analytics(self):
        Analytics.analytics(self)


class MixedBuyer(Checkout):
    weight = 1


USER_CLASSES = {cls.__name__: cls for cls in (
    Health, Account, Find, OrderPage, OrdersFirst, OrdersDeep, BudgetPage, InvoicePage, InvoicePDF, Analytics, Checkout,
)}


def _on_request(response=None, **kwargs):
    if response is not None and getattr(response, "status_code", 0) and response.status_code >= 500:
        STATUS_5XX["n"] += 1


def run_locust(user_classes, *, clients: int, duration: float, warmup: float) -> dict:
    for cls in user_classes:
        cls.host = CFG["base_url"]
    env = Environment(user_classes=user_classes, events=events)
    env.events.request.add_listener(_on_request)
    runner = env.create_local_runner()
    READY["n"] = 0
    PLACED.update(n=0, refused=0)
    runner.start(clients, spawn_rate=clients * 10)
    deadline = time.monotonic() + 180
    while READY["n"] < clients and time.monotonic() < deadline:
        gevent.sleep(0.05)
    gevent.sleep(warmup)
    env.stats.reset_all()
    STATUS_5XX["n"] = 0
    PLACED.update(n=0, refused=0)
    started = time.monotonic()
    gevent.sleep(duration)
    elapsed = time.monotonic() - started
    requests_ = {}
    for (name, method), entry in env.stats.entries.items():
        requests_[name] = {
            "method": method, "requests": entry.num_requests, "failures": entry.num_failures,
            "rps": entry.num_requests / elapsed if elapsed else 0.0,
            "p50": entry.get_response_time_percentile(0.50), "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99), "avg": entry.avg_response_time,
        }
    errors = {f"{e.method} {e.name}: {e.error}": e.occurrences for e in env.stats.errors.values()}
    placed, refused, s5xx = PLACED["n"], PLACED["refused"], STATUS_5XX["n"]
    runner.quit()
    env.events.request.remove_listener(_on_request)
    return {"elapsed": elapsed, "requests": requests_, "errors": errors, "placed": placed, "refused": refused,
            "status_5xx": s5xx}


# ---- single-client timings (requests; a plain session signed in through the form) ----

def _session(email: str) -> requests.Session:
    s = requests.Session()
    page = s.get(CFG["base_url"] + "/login/", timeout=60)
    token = _CSRF_RE.search(page.text).group(1)
    r = s.post(CFG["base_url"] + "/login/", data={"username": email, "password": CFG["password"], "csrfmiddlewaretoken": token},
               allow_redirects=False, timeout=60)
    if r.status_code != 302:
        raise RuntimeError(f"login failed for {email}: {r.status_code}")
    return s


def worker_memory(master_pid: int) -> list[dict]:
    """Peak and current resident memory of each gunicorn worker (children of the master), from /proc."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != master_pid:
                continue
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            out.append({"pid": int(pid), "peak_kb": int(fields["VmHWM"].split()[0]), "rss_kb": int(fields["VmRSS"].split()[0])})
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return out


def run_export() -> dict:
    """The whole-business orders report as CSV: time to the first data row, rows/s, total, worker memory."""
    s = _session(CFG["logins"]["admin"][0])
    before = worker_memory(CFG["gunicorn_pid"])
    started = time.monotonic()
    first = None
    rows = -1  # the header line is not a row
    size = 0
    status = 0
    error = ""
    try:
        with s.get(CFG["base_url"] + "/account/analytics/orders/export/", stream=True, timeout=(10, 600)) as r:
            status = r.status_code
            for line in r.iter_lines(chunk_size=65536):
                rows += 1
                size += len(line) + 1
                if rows == 1 and first is None:
                    first = time.monotonic() - started
    except Exception as exc:  # a worker killed mid-response ends the stream early
        error = f"{type(exc).__name__}: {exc}"
    total = time.monotonic() - started
    after = worker_memory(CFG["gunicorn_pid"])
    complete = status == 200 and not error and rows >= CFG["data"].get("expected_rows", 0)
    return {"status": status, "rows": max(rows, 0), "bytes": size, "first_row_s": first, "total_s": total,
            "rows_per_s": max(rows, 0) / total if total else 0.0, "complete": complete, "error": error,
            "expected_rows": CFG["data"].get("expected_rows", 0),
            "worker_peak_rss_kb_before": max((w["peak_kb"] for w in before), default=0),
            "worker_peak_rss_kb": max((w["peak_kb"] for w in after), default=0),
            "workers": after}


def run_statement(rows: int) -> dict:
    """Upload a `rows`-row bank statement (references = invoice and PO numbers), preview, confirm."""
    refs = CFG["data"]["statement_refs"] or [["NOTHING", "1.00"]]
    nonce = CFG["run_id"][-6:]
    today = CFG["today"]
    lines = ["Date,Amount,Description"]
    for i in range(rows):
        ref, amount = refs[i % len(refs)]
        lines.append(f"{today},{amount},{ref} {nonce}")
    body = ("\n".join(lines) + "\n").encode()
    s = _session(CFG["logins"]["admin"][0])
    url = CFG["base_url"] + "/account/payments/import/"
    s.get(url, timeout=60)
    token = s.cookies.get("csrftoken")
    started = time.monotonic()
    preview = s.post(url, data={"date_column": "Date", "amount_column": "Amount", "reference_column": "Description",
                                "date_format": "%Y-%m-%d", "csrfmiddlewaretoken": token},
                     files={"file": ("bench-statement.csv", body, "text/csv")}, timeout=600, allow_redirects=False)
    preview_s = time.monotonic() - started
    confirm = s.post(url, data={"action": "confirm", "csrfmiddlewaretoken": token}, timeout=600, allow_redirects=False)
    total = time.monotonic() - started
    return {"rows": rows, "bytes": len(body), "preview_status": preview.status_code, "confirm_status": confirm.status_code,
            "preview_s": preview_s, "confirm_s": total - preview_s, "total_s": total,
            "ok": preview.status_code == 200 and confirm.status_code == 302}


def main(config_path: str, results_path: str) -> int:
    global CFG
    with open(config_path) as f:
        CFG = json.load(f)
    results: dict = {"scenarios": {}}
    for sc in CFG["scenarios"]:
        name, kind = sc["name"], sc["kind"]
        t0 = time.monotonic()
        if kind == "locust":
            classes = [USER_CLASSES[c] if c in USER_CLASSES else globals()[c] for c in sc["users"]]
            res = run_locust(classes, clients=sc["clients"], duration=sc["duration"], warmup=sc.get("warmup", 1.0))
        elif kind == "export":
            res = run_export()
        elif kind == "statement":
            res = run_statement(sc["rows"])
        else:
            raise ValueError(kind)
        res["scenario"] = sc
        print(f"  {name}: {time.monotonic() - t0:.1f} s", flush=True)
        results["scenarios"][name] = res
    with open(results_path, "w") as f:
        json.dump(results, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
