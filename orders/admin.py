"""Django admin for the orders app."""

from . import admin_documents  # noqa: F401  (InvoiceAdmin and the staff document views)
