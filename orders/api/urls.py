"""/api/v1/: the JSON API, its OpenAPI 3 schema and its docs (Swagger UI and Redoc from our static files)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import views
from .docs import SwaggerDocsView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="schema"),
    path("docs/", SwaggerDocsView.as_view(url_name="api:schema"), name="docs"),
    path("orders/", views.OrderListView.as_view(), name="orders"),
    path("orders/<str:po_number>/", views.OrderDetailView.as_view(), name="order_detail"),
    path("orders/<str:po_number>/ubl/", views.OrderUblView.as_view(), name="order_ubl"),
    path("orders/<str:po_number>/approve/", views.OrderApproveView.as_view(), name="order_approve"),
    path("orders/<str:po_number>/reject/", views.OrderRejectView.as_view(), name="order_reject"),
    path("invoices/", views.InvoiceListView.as_view(), name="invoices"),
    path("invoices/<str:invoice_number>/", views.InvoiceDetailView.as_view(), name="invoice_detail"),
    path("invoices/<str:invoice_number>/ubl/", views.InvoiceUblView.as_view(), name="invoice_ubl"),
    path("invoices/<str:invoice_number>/factur-x/", views.InvoiceFacturXView.as_view(), name="invoice_facturx"),
    path("credit-notes/<str:credit_note_number>/ubl/", views.CreditNoteUblView.as_view(), name="credit_note_ubl"),
    path("credit-notes/<str:credit_note_number>/factur-x/", views.CreditNoteFacturXView.as_view(), name="credit_note_facturx"),
    path("budgets/", views.BudgetListView.as_view(), name="budgets"),
    path("budgets/<int:budget_id>/", views.BudgetDetailView.as_view(), name="budget_detail"),
    path("budgets/<int:budget_id>/ledger/", views.BudgetLedgerView.as_view(), name="budget_ledger"),
    path("payments/", views.PaymentListView.as_view(), name="payments"),
    path("statements/", views.StatementImportView.as_view(), name="statement_import"),
    path("reports/orders/", views.OrdersReportView.as_view(), name="orders_report"),
]
