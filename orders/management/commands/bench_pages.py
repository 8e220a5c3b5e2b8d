"""python manage.py bench_pages: server-side time and query count of the main pages on the current data.

A benchmark, not a test: seed a large data set first (seed_demo --orders 20000 --lines-per-order 50
makes about a million order lines), then run this against it. It requests each page in-process with
Django's test client as the demo business admin, so the numbers are the app's own (no network).
"""

import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets.models import Budget
from orders.models import Invoice, Order, OrderLine
from procurement.models import Member


class Command(BaseCommand):
    help = "Time the main pages (median of N requests) and count their queries on the current database."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="alice@acme.example", help="member to request the pages as")
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, email, repeat, **options):
        member = Member.objects.select_related("business").get(user__email=email)
        business = member.business
        client = Client()
        client.force_login(member.user)
        order = Order.objects.filter(business=business).order_by("-id").first()
        invoice = Invoice.objects.filter(business=business).order_by("-id").first()
        budget = Budget.objects.filter(business=business).order_by("id").first()
        pages = [
            ("Your Account for Business", reverse("procurement:account")),
            ("Your Orders", reverse("orders:order_list")),
            ("Your Orders, filtered by PO", reverse("orders:order_list") + "?po_number=000123"),
            ("Order page", reverse("orders:order_detail", kwargs={"po_number": order.po_number}) if order else None),
            ("Find by PO number", reverse("orders:find") + f"?q={order.po_number if order else 'x'}"),
            ("Catalog", reverse("orders:catalog")),
            ("Budgets (Blanket PO)", reverse("budgets:budget_list", kwargs={"group_id": budget.group_id}) if budget else None),
            ("Allocations", reverse("budgets:allocations", kwargs={"group_id": budget.group_id, "budget_id": budget.pk}) if budget else None),
            ("Invoices", reverse("orders:invoice_list")),
            ("Invoice page", reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number}) if invoice else None),
            ("Payments", reverse("orders:payments")),
            ("Reconciliation", reverse("orders:reconciliation")),
            ("Business Analytics", reverse("orders:analytics")),
            ("Orders report", reverse("orders:orders_report")),
            ("Budget report", reverse("orders:budget_report")),
        ]
        lines = OrderLine.objects.filter(business=business).count()
        self.stdout.write(
            f"{business.name}: {Order.objects.filter(business=business).count()} orders, {lines} order lines, "
            f"{Invoice.objects.filter(business=business).count()} invoices; {connection.vendor}; median of {repeat}"
        )
        self.stdout.write(f"{'page':<30} {'status':>6} {'median ms':>10} {'max ms':>8} {'queries':>8}")
        for name, url in pages:
            if url is None:
                continue
            timings = []
            for _ in range(repeat):
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
            self.stdout.write(
                f"{name:<30} {response.status_code:>6} {statistics.median(timings):>10.1f} {max(timings):>8.1f} {len(queries):>8}"
            )

        # Check impact (what-if) on the Blanket PO with the most orders: one query plus the Python replay.
        from django.db.models import Count

        from budgets.whatif import budget_impact, current_proposal

        busiest = (
            Budget.objects.filter(business=business).annotate(n=Count("orders")).order_by("-n", "id").first()
        )
        if busiest is not None:
            proposal = current_proposal(budget=busiest, policy=Budget.Policy.BLOCK)
            timings = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    budget_impact(budget=busiest, proposal=proposal)
                    timings.append((time.perf_counter() - started) * 1000)
            self.stdout.write(
                f"{'Check impact (' + str(busiest.n) + ' orders)':<30} {'-':>6} {statistics.median(timings):>10.1f} "
                f"{max(timings):>8.1f} {len(queries):>8}"
            )
