"""Business Analytics."""

from django.urls import path

from . import views

urlpatterns = [
    path("account/analytics/", views.AnalyticsView.as_view(), name="analytics"),
    path("account/analytics/orders/", views.OrdersReportView.as_view(), name="orders_report"),
    path("account/analytics/orders/export/", views.OrdersReportExportView.as_view(), name="orders_report_export"),
    path("account/analytics/orders/export/xlsx/", views.OrdersReportXlsxJobView.as_view(), name="orders_report_xlsx_job"),
    path("account/analytics/budgets/", views.BudgetReportView.as_view(), name="budget_report"),
]
