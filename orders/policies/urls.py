"""Approval workflows and buying policies (Business Settings, a group's page, delegations)."""

from django.urls import path

from . import views

settings = "account/business-settings/"

urlpatterns = [
    path(f"{settings}approval-workflows/", views.ApprovalWorkflowView.as_view(), name="approval_workflow"),
    path(f"{settings}groups/<int:group_id>/approval-workflow/", views.ApprovalWorkflowView.as_view(),
         name="group_approval_workflow"),
    path(f"{settings}groups/<int:group_id>/category-policies/", views.CategoryPoliciesView.as_view(),
         name="category_policies"),
    path(f"{settings}spending-limits/", views.SpendingLimitsView.as_view(), name="spending_limits"),
    path("account/approvals/delegations/", views.DelegationsView.as_view(), name="delegations"),
]
