"""Payments, bank statement import, month-end reconciliation."""

from django.urls import path

from . import views

urlpatterns = [
    path("account/payments/", views.PaymentListView.as_view(), name="payments"),
    path("account/payments/new/", views.PaymentCreateView.as_view(), name="payment_create"),
    path("account/payments/refunds/new/", views.RefundCreateView.as_view(), name="refund_create"),
    path("account/payments/import/", views.StatementImportView.as_view(), name="statement_import"),
    path("account/payments/<int:payment_id>/", views.PaymentDetailView.as_view(), name="payment_detail"),
    path("account/payments/<int:payment_id>/resolve/", views.PaymentResolveView.as_view(), name="payment_resolve"),
    path("account/reconciliation/", views.ReconciliationView.as_view(), name="reconciliation"),
    path("account/reconciliation/close/", views.ReconciliationCloseView.as_view(), name="reconciliation_close"),
    path("account/three-way-match/", views.ThreeWayMatchView.as_view(), name="three_way_match"),
    path("account/reconciliation/export/", views.ReconciliationExportView.as_view(), name="reconciliation_export"),
]
