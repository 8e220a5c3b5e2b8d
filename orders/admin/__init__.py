"""Django admin for staff: orders and shipments, invoices and documents, payments and the support search."""

from orders.admin import documents, orders, returns, support  # noqa: F401  (registering the ModelAdmins)
