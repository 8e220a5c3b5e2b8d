"""Mounted under /account/: group budgets live at business-settings/groups/<group_id>/budgets/..."""

from django.urls import path

from . import views

app_name = "budgets"

GROUP = "business-settings/groups/<int:group_id>/budgets/"

urlpatterns = [
    path("budgets/", views.BudgetOverviewView.as_view(), name="budget_overview"),
    path("budgets/download/", views.BulkDownloadView.as_view(), name="bulk_download"),
    path("budgets/upload/", views.BulkUploadView.as_view(), name="bulk_upload"),
    path(GROUP, views.BudgetListView.as_view(), name="budget_list"),
    path(GROUP + "new/", views.BudgetCreateView.as_view(), name="budget_create"),
    path(GROUP + "<int:budget_id>/", views.BudgetDetailView.as_view(), name="budget_detail"),
    path(GROUP + "<int:budget_id>/edit/", views.BudgetEditView.as_view(), name="budget_edit"),
    path(GROUP + "<int:budget_id>/close/", views.BudgetCloseView.as_view(), name="budget_close"),
    path(GROUP + "<int:budget_id>/allocations/", views.AllocationsView.as_view(), name="allocations"),
    path(GROUP + "<int:budget_id>/allocations/automatic/", views.AllocationRuleView.as_view(), name="allocation_rule"),
]
