"""python manage.py seed_demo: the demo business Acme Corporation and its logins (idempotent).

`--businesses N --members-per-business M` adds benchmark businesses by bulk inserts; `--orders N` is
handed to the orders seeder. Each app's seeder is idempotent, so running this twice adds nothing twice.
"""

from django.core.management.base import BaseCommand

from budgets.seed import seed_budgets, seed_recurring_budget
from orders.seed.approvals import seed_approval_rule
from orders.seed.finance import seed_payments
from orders.seed.information import seed_order_fields
from orders.seed.notifications import seed_notifications
from orders.seed.orders import seed_catalog, seed_invoices, seed_orders, seed_spend_rollup
from orders.seed.receiving import seed_receiving, seed_refund
from orders.seed.statements import seed_bank_statements
from procurement.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_acme, seed_bulk


class Command(BaseCommand):
    help = "Create the demo business Acme Corporation (and optional benchmark data). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--businesses", type=int, default=0, help="extra benchmark businesses to create")
        parser.add_argument("--members-per-business", type=int, default=10, help="members in each benchmark business")
        parser.add_argument("--orders", type=int, default=20, help="demo orders for Acme (passed to the orders seeder)")
        parser.add_argument(
            "--lines-per-order", type=int, default=4,
            help="average order lines per seeded order (--orders 20000 --lines-per-order 50 makes about a million lines)",
        )

    def handle(self, *args, businesses, members_per_business, orders, lines_per_order, **options):
        acme = seed_acme(stdout=self.stdout)
        seed_budgets(business=acme, stdout=self.stdout)
        seed_recurring_budget(business=acme, stdout=self.stdout)
        seed_catalog(stdout=self.stdout)
        seed_approval_rule(business=acme, stdout=self.stdout)
        seed_orders(business=acme, count=orders, lines_avg=lines_per_order, stdout=self.stdout)
        seed_invoices(business=acme, stdout=self.stdout)
        seed_receiving(business=acme, stdout=self.stdout)
        seed_payments(business=acme, stdout=self.stdout)
        seed_refund(business=acme, stdout=self.stdout)
        seed_bank_statements(business=acme, stdout=self.stdout)
        seed_notifications(business=acme, stdout=self.stdout)
        seed_order_fields(business=acme, stdout=self.stdout)
        if businesses:
            seed_bulk(businesses=businesses, members_per_business=members_per_business, stdout=self.stdout)
        # The bulk seeders write rows without the services, so the spend roll-up is rebuilt set-based.
        seed_spend_rollup(stdout=self.stdout)

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins for {acme.name} (password \"{DEMO_PASSWORD}\" for all):"))
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<22} {login.what}")
        self.stdout.write("Log in at /login/ on the server (http://127.0.0.1:8000/ with make run); Django admin at /admin/.")
