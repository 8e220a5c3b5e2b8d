"""Demo and benchmark data for the orders app: catalog, orders with shipments and invoices, payments."""

from orders.seed.finance import seed_payments
from orders.seed.orders import seed_catalog, seed_invoices, seed_orders
from orders.seed.receiving import seed_receiving

__all__ = ["seed_catalog", "seed_invoices", "seed_orders", "seed_payments", "seed_receiving"]
