"""Approvals."""

from django.urls import path

from . import views

urlpatterns = [
    path("account/approvals/", views.ApprovalsView.as_view(), name="approvals"),
    path("account/orders/<str:po_number>/decide/", views.OrderDecideView.as_view(), name="order_decide"),
    path("account/orders/<str:po_number>/move-budget/", views.OrderMoveBudgetView.as_view(), name="order_move_budget"),
]
