from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders, invoices and payments"

    def ready(self):
        # Background job kinds (procurement.jobs.registry): the report XLSX, the invoices ZIP, the
        # statement import; registered here so web processes and workers know the same kinds.
        from orders.analytics import jobs as analytics_jobs  # noqa: F401
        from orders.documents import jobs as documents_jobs  # noqa: F401
        from orders.finance import jobs as finance_jobs  # noqa: F401
